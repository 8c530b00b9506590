package io.gantry.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small Java project with a unit test, built by Maven inside a workflow step without the
 * internet: its {@code .mvn/maven.config} points Maven at a project settings file whose local
 * repository is {@code $HOME/.m2/repository} (the folder {@code actions/setup-java}'s {@code cache:
 * maven} saves and restores; Maven itself would take the account's home, not {@code $HOME}) and
 * whose only mirror is the Maven repository of the build running the tests, reached by a {@code
 * file://} URL. The plugins are pinned to the versions Gantry's own build uses, so they are there.
 * The first build copies them into the job's empty repository ("Downloading from local"); a build
 * on a restored repository copies nothing.
 */
final class MavenProject {

  /** What the workflow builds and uploads. */
  static final String JAR = "hello-1.0.jar";

  private MavenProject() {}

  /** Writes the project's files into {@code dir}. */
  static void write(Path dir) throws IOException {
    String pom =
        """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>org.acme</groupId>
          <artifactId>hello</artifactId>
          <version>1.0</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
          <dependencies>
            <dependency>
              <groupId>org.junit.jupiter</groupId>
              <artifactId>junit-jupiter</artifactId>
              <version>%s</version>
              <scope>test</scope>
            </dependency>
          </dependencies>
          <build>
            <plugins>
              <plugin><artifactId>maven-resources-plugin</artifactId><version>%s</version></plugin>
              <plugin><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
              <plugin><artifactId>maven-surefire-plugin</artifactId><version>%s</version></plugin>
              <plugin><artifactId>maven-jar-plugin</artifactId><version>%s</version></plugin>
            </plugins>
          </build>
        </project>
        """
            .formatted(
                buildVersion("junit.version"),
                buildVersion("resources-plugin.version"),
                buildVersion("compiler-plugin.version"),
                buildVersion("surefire.version"),
                buildVersion("jar-plugin.version"));
    Files.writeString(dir.resolve("pom.xml"), pom);
    Path main = Files.createDirectories(dir.resolve("src/main/java/demo"));
    Files.writeString(
        main.resolve("Hello.java"),
        """
        package demo;

        public class Hello {
          public static String greeting() {
            return "hello from the jar";
          }
        }
        """);
    Path test = Files.createDirectories(dir.resolve("src/test/java/demo"));
    Files.writeString(
        test.resolve("HelloTest.java"),
        """
        package demo;

        import static org.junit.jupiter.api.Assertions.assertEquals;

        import org.junit.jupiter.api.Test;

        class HelloTest {
          @Test
          void greets() {
            assertEquals("hello from the jar", Hello.greeting());
          }
        }
        """);
    Path mvn = Files.createDirectories(dir.resolve(".mvn"));
    Files.writeString(mvn.resolve("maven.config"), "-s .mvn/settings.xml\n");
    Files.writeString(
        mvn.resolve("settings.xml"),
        """
        <settings>
          <localRepository>${env.HOME}/.m2/repository</localRepository>
          <mirrors>
            <mirror>
              <id>local</id>
              <mirrorOf>*</mirrorOf>
              <url>%s</url>
            </mirror>
          </mirrors>
        </settings>
        """
            .formatted(buildRepository().toUri()));
  }

  /** The Maven repository of the build that runs the tests. */
  static Path buildRepository() {
    String configured = System.getProperty("maven.repo.local");
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /** A version property of Gantry's root pom (the tests run in a module's folder). */
  private static String buildVersion(String property) throws IOException {
    Path pom = Path.of("..", "pom.xml");
    Matcher m =
        Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)</")
            .matcher(Files.readString(pom));
    if (!m.find()) {
      throw new IllegalStateException(pom.toAbsolutePath() + " has no property " + property);
    }
    return m.group(1).strip();
  }
}
