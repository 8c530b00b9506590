package io.gantry.runner.expression;

import io.gantry.runner.expression.Token.Kind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Splits the expression between {@code start} and {@code end} of a text into tokens. */
final class Lexer {

  /** After these a '.' starts a number such as {@code .5}, elsewhere it dereferences. */
  private static final Set<Kind> OPERAND_EXPECTED =
      EnumSet.of(
          Kind.LPAREN,
          Kind.LBRACKET,
          Kind.COMMA,
          Kind.NOT,
          Kind.LT,
          Kind.LE,
          Kind.GT,
          Kind.GE,
          Kind.EQ,
          Kind.NE,
          Kind.AND,
          Kind.OR);

  private final String text;
  private final int end;
  private int pos;
  private Token last;

  Lexer(String text, int start, int end) {
    this.text = text;
    this.pos = start;
    this.end = end;
  }

  List<Token> tokenize() throws ExpressionException {
    List<Token> tokens = new ArrayList<>();
    Token token;
    do {
      token = next();
      tokens.add(token);
      last = token;
    } while (token.kind() != Kind.EOF);
    return tokens;
  }

  private Token next() throws ExpressionException {
    while (pos < end && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
    if (pos >= end) {
      return new Token(Kind.EOF, "", end, null);
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '(' -> single(Kind.LPAREN);
      case ')' -> single(Kind.RPAREN);
      case '[' -> single(Kind.LBRACKET);
      case ']' -> single(Kind.RBRACKET);
      case ',' -> single(Kind.COMMA);
      case '*' -> single(Kind.STAR);
      case '.' -> operandExpected() && isDigit(peek(1)) ? number() : single(Kind.DOT);
      case '!' -> peek(1) == '=' ? pair(Kind.NE) : single(Kind.NOT);
      case '<' -> peek(1) == '=' ? pair(Kind.LE) : single(Kind.LT);
      case '>' -> peek(1) == '=' ? pair(Kind.GE) : single(Kind.GT);
      case '=' -> doubled('=', Kind.EQ);
      case '&' -> doubled('&', Kind.AND);
      case '|' -> doubled('|', Kind.OR);
      case '\'' -> string();
      default -> {
        if (isDigit(c) || ((c == '-' || c == '+') && (isDigit(peek(1)) || peek(1) == '.'))) {
          yield number();
        }
        if (Character.isLetter(c) || c == '_') {
          yield identifier();
        }
        throw new ExpressionException("unexpected character '" + c + "'", pos);
      }
    };
  }

  private boolean operandExpected() {
    return last == null || OPERAND_EXPECTED.contains(last.kind());
  }

  private char peek(int ahead) {
    int at = pos + ahead;
    return at < end ? text.charAt(at) : '\0';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private Token single(Kind kind) {
    Token token = new Token(kind, text.substring(pos, pos + 1), pos, null);
    pos++;
    return token;
  }

  private Token pair(Kind kind) {
    Token token = new Token(kind, text.substring(pos, pos + 2), pos, null);
    pos += 2;
    return token;
  }

  private Token doubled(char c, Kind kind) throws ExpressionException {
    if (peek(1) != c) {
      throw new ExpressionException(
          "unexpected character '" + c + "'; did you mean '" + c + c + "'?", pos);
    }
    return pair(kind);
  }

  private Token string() throws ExpressionException {
    int start = pos;
    StringBuilder value = new StringBuilder();
    int i = pos + 1;
    while (true) {
      if (i >= end) {
        throw new ExpressionException("unterminated string literal", start);
      }
      char c = text.charAt(i);
      if (c == '\'') {
        if (i + 1 < end && text.charAt(i + 1) == '\'') {
          value.append('\'');
          i += 2;
          continue;
        }
        break;
      }
      value.append(c);
      i++;
    }
    pos = i + 1;
    return new Token(Kind.STRING, text.substring(start, pos), start, value.toString());
  }

  private Token number() throws ExpressionException {
    int start = pos;
    int i = pos;
    if (text.charAt(i) == '-' || text.charAt(i) == '+') {
      i++;
    }
    boolean hex = i + 1 < end && text.charAt(i) == '0' && (text.charAt(i + 1) | 0x20) == 'x';
    while (i < end) {
      char c = text.charAt(i);
      boolean exponentSign = !hex && (c == '+' || c == '-') && (text.charAt(i - 1) | 0x20) == 'e';
      if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || exponentSign) {
        i++;
      } else {
        break;
      }
    }
    String raw = text.substring(start, i);
    Double value = Values.parseNumberLiteral(raw);
    if (value == null) {
      throw new ExpressionException("invalid number '" + raw + "'", start);
    }
    pos = i;
    return new Token(Kind.NUMBER, raw, start, value);
  }

  private Token identifier() {
    int start = pos;
    int i = pos;
    while (i < end) {
      char c = text.charAt(i);
      if (Character.isLetterOrDigit(c) || c == '_' || c == '-') {
        i++;
      } else {
        break;
      }
    }
    pos = i;
    return new Token(Kind.IDENTIFIER, text.substring(start, i), start, null);
  }
}
