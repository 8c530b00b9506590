package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

class ScalarPositionsTest {

  /** The location of the first occurrence of {@code needle} in the value of key {@code v}. */
  private static String locate(String yaml, String needle) {
    Report report = new Report("ci.yml");
    MappingNode root = (MappingNode) YamlReader.read(yaml, report).orElseThrow();
    ScalarNode value = (ScalarNode) root.getValue().get(0).getValueNode();
    int offset = value.getValue().indexOf(needle);
    assertThat(offset).as("'%s' in %s", needle, value.getValue()).isNotNegative();
    Location at = new ScalarPositions("ci.yml", yaml).at(value, offset);
    return at.line() + ":" + at.column();
  }

  @ParameterizedTest(name = "{0}: ''{2}'' is at {3}")
  @CsvSource(
      delimiter = '#',
      quoteCharacter = '`',
      textBlock =
          """
          plain                   # v: echo ${{ x }}                                # x   # 1:13
          double-quoted           # v: "echo ${{ x }}"                              # x   # 1:14
          single-quoted           # v: 'echo ${{ x }}'                              # x   # 1:14
          escape before it        # v: "a\\"b ${{ x }}"                             # x   # 1:14
          doubled quote before it # v: 'it''s ${{ x }}'                             # x   # 1:15
          literal block           # v: |\\n  one\\n  two ${{ x }}\\n                # x   # 3:11
          literal, deeper lines   # v: |\\n    one\\n      two ${{ x }}\\n          # x   # 3:15
          literal, blank line     # v: |\\n  one\\n\\n  three ${{ x }}\\n           # x   # 4:13
          literal, strip chomping # v: |-\\n  one\\n  ${{ x }}                      # x   # 3:7
          explicit indentation    # v: |2\\n    one\\n  ${{ x }}\\n                 # x   # 3:7
          folded block            # v: >\\n  one\\n  two ${{ x }}\\n                # x   # 3:11
          folded, paragraph break # v: >\\n  one\\n\\n  two ${{ x }}\\n             # x   # 4:11
          plain over two lines    # v: one\\n  two ${{ x }}\\n                      # x   # 2:11
          crlf line ends          # v: |\\r\\n  one\\r\\n  two ${{ x }}\\r\\n       # x   # 3:11
          """)
  void anOffsetInAScalarMapsToItsLineAndColumnInTheFile(
      String style, String yaml, String needle, String expected) {
    String text = yaml.replace("\\r", "\r").replace("\\n", "\n").replace("\\\\", "\\");
    assertThat(locate(text, needle)).isEqualTo(expected);
  }
}
