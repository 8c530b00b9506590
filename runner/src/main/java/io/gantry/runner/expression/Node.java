package io.gantry.runner.expression;

import java.util.List;

/** The syntax tree of an expression; every offset is absolute within the text given. */
sealed interface Node {

  int offset();

  record Literal(Object value, int offset) implements Node {}

  /** The first identifier of a property chain: a context such as {@code github}. */
  record ContextRef(String name, int offset) implements Node {}

  record Property(Node target, String name, int offset) implements Node {}

  record Index(Node target, Node index, int offset) implements Node {}

  /** {@code .*} or {@code [*]}. */
  record Wildcard(Node target, int offset) implements Node {}

  record Not(Node operand, int offset) implements Node {}

  record Binary(Operator operator, Node left, Node right, int offset) implements Node {}

  record Call(String name, List<Node> args, int offset) implements Node {}

  enum Operator {
    AND,
    OR,
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE
  }
}
