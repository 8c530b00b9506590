package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The examples of GitHub's "Filter pattern cheat sheet". */
class FilterPatternTest {

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          feature/*                 | feature/my-branch              | true
          feature/*                 | feature/your-branch            | true
          feature/*                 | feature/your-branch/sub        | false
          feature/**                | feature/beta-a/my-branch       | true
          feature/**                | feature/your-branch            | true
          feature/**                | feature/mona/the/octocat       | true
          main                      | main                           | true
          main                      | main2                          | false
          releases/mona-the-octocat | releases/mona-the-octocat      | true
          *                         | main                           | true
          *                         | releases                       | true
          *                         | releases/v1                    | false
          **                        | all/the/branches               | true
          **                        | every/tag                      | true
          *feature                  | mona-feature                   | true
          *feature                  | feature                        | true
          *feature                  | ver-10-feature                 | true
          v2*                       | v2                             | true
          v2*                       | v2.0                           | true
          v2*                       | v2.9                           | true
          v[12].[0-9]+.[0-9]+       | v1.10.1                        | true
          v[12].[0-9]+.[0-9]+       | v2.0.0                         | true
          v[12].[0-9]+.[0-9]+       | v3.0.0                         | false
          v[12].[0-9]+.[0-9]+       | v1..1                          | false
          *.jsx?                    | page.js                        | true
          *.jsx?                    | page.jsx                       | true
          *.jsx?                    | page.jsxx                      | false
          *.js                      | app.js                         | true
          *.js                      | index.js                       | true
          *.js                      | js/index.js                    | false
          **.js                     | index.js                       | true
          **.js                     | js/index.js                    | true
          **.js                     | src/js/app.js                  | true
          docs/*                    | docs/README.md                 | true
          docs/*                    | docs/file.txt                  | true
          docs/*                    | docs/mona/octocat.txt          | false
          docs/**                   | docs/README.md                 | true
          docs/**                   | docs/mona/octocat.txt          | true
          docs/**/*.md              | docs/README.md                 | true
          docs/**/*.md              | docs/mona/hello-world.md       | true
          docs/**/*.md              | docs/a/markdown/file.md        | true
          docs/**/*.md              | docs/a/file.txt                | false
          **/docs/**                | docs/hello.md                  | true
          **/docs/**                | dir/docs/my-file.txt           | true
          **/docs/**                | space/docs/plan/space.doc      | true
          **/README.md              | README.md                      | true
          **/README.md              | js/README.md                   | true
          **/*src/**                | a/src/app.js                   | true
          **/*src/**                | my-src/code/js/app.js          | true
          **/*-post.md              | my-post.md                     | true
          **/*-post.md              | path/their-post.md             | true
          **/migrate-*.sql          | migrate-10909.sql              | true
          **/migrate-*.sql          | db/migrate-v1.0.sql            | true
          **/migrate-*.sql          | db/sept/migrate-v1.sql         | true
          releases/**-alpha         | releases/10-alpha              | true
          releases/**-alpha         | releases/a/b-alpha             | true
          a+b                       | aaab                           | true
          a+b                       | b                              | false
          \\*literal                | *literal                       | true
          \\*literal                | xliteral                       | false
          """)
  void aPatternMatchesAsGitHubsCheatSheetSays(String pattern, String value, boolean matches) {
    assertThat(FilterPattern.matchesAny(List.of(pattern), value)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0} selects {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          *.md !README.md          | hello.md         | true
          *.md !README.md          | README.md        | false
          *.md !README.md          | docs/hello.md    | false
          *.md !README.md README*  | hello.md         | true
          *.md !README.md README*  | README.md        | true
          *.md !README.md README*  | README.doc       | true
          releases/** !releases/**-alpha | releases/v1 | true
          releases/** !releases/**-alpha | releases/beta/3-alpha | false
          !main                    | main             | false
          !main                    | feature          | false
          """)
  void laterPatternsOverrideEarlierOnesAndOnlyNegationsMatchNothing(
      String patterns, String value, boolean matches) {
    assertThat(FilterPattern.matchesAny(Arrays.asList(patterns.split(" ")), value))
        .isEqualTo(matches);
  }

  @Test
  void anEmptyListMatchesNothing() {
    assertThat(FilterPattern.matchesAny(List.of(), "main")).isFalse();
  }
}
