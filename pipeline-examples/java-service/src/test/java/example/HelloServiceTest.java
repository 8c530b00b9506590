package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HelloServiceTest {

  @Test
  void greetsByName() {
    assertEquals("Hello, Ada!", HelloService.greeting(" Ada "));
  }

  @Test
  void greetsTheWorldWithoutAName() {
    assertEquals("Hello, world!", HelloService.greeting(null));
  }

  @Test
  void healthReportsTheVersion() {
    assertEquals("{\"status\":\"UP\",\"version\":\"1.2\"}", HelloService.health("1.2"));
  }
}
