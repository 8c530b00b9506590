package io.gantry.runner.expression;

/** One lexical token; {@code offset} is absolute within the text handed to {@link Expressions}. */
record Token(Kind kind, String text, int offset, Object value) {

  enum Kind {
    NUMBER,
    STRING,
    IDENTIFIER,
    LPAREN,
    RPAREN,
    LBRACKET,
    RBRACKET,
    DOT,
    COMMA,
    STAR,
    NOT,
    LT,
    LE,
    GT,
    GE,
    EQ,
    NE,
    AND,
    OR,
    EOF
  }

  /** How the token is named in error messages. */
  String describe() {
    return kind == Kind.EOF ? "end of expression" : "'" + text + "'";
  }
}
