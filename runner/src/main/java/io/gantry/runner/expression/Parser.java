package io.gantry.runner.expression;

import io.gantry.runner.expression.Node.Operator;
import io.gantry.runner.expression.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent parser with GitHub's precedence, loosest first: {@code ||}, {@code &&}, {@code
 * == !=}, {@code < <= > >=}, {@code !}, then property and index access.
 */
final class Parser {

  /** Keeps hostile input from overflowing the stack; GitHub itself stops at 50 levels. */
  private static final int MAX_DEPTH = 100;

  private final List<Token> tokens;
  private int index;
  private int depth;

  private Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  /** Parses the expression between {@code start} and {@code end} of {@code text}. */
  static Node parse(String text, int start, int end) throws ExpressionException {
    Parser parser = new Parser(new Lexer(text, start, end).tokenize());
    if (parser.peek().kind() == Kind.EOF) {
      throw new ExpressionException("empty expression", start);
    }
    Node node = parser.expression();
    Token rest = parser.peek();
    if (rest.kind() != Kind.EOF) {
      throw unexpected(rest);
    }
    return node;
  }

  private Node expression() throws ExpressionException {
    if (++depth > MAX_DEPTH) {
      throw new ExpressionException(
          "expression is nested too deeply (more than " + MAX_DEPTH + " levels)", peek().offset());
    }
    Node node = or();
    depth--;
    return node;
  }

  private Node or() throws ExpressionException {
    Node left = and();
    while (peek().kind() == Kind.OR) {
      Token op = next();
      left = new Node.Binary(Operator.OR, left, and(), op.offset());
    }
    return left;
  }

  private Node and() throws ExpressionException {
    Node left = equality();
    while (peek().kind() == Kind.AND) {
      Token op = next();
      left = new Node.Binary(Operator.AND, left, equality(), op.offset());
    }
    return left;
  }

  private Node equality() throws ExpressionException {
    Node left = comparison();
    while (peek().kind() == Kind.EQ || peek().kind() == Kind.NE) {
      Token op = next();
      Operator operator = op.kind() == Kind.EQ ? Operator.EQ : Operator.NE;
      left = new Node.Binary(operator, left, comparison(), op.offset());
    }
    return left;
  }

  private Node comparison() throws ExpressionException {
    Node left = unary();
    while (true) {
      Operator operator =
          switch (peek().kind()) {
            case LT -> Operator.LT;
            case LE -> Operator.LE;
            case GT -> Operator.GT;
            case GE -> Operator.GE;
            default -> null;
          };
      if (operator == null) {
        return left;
      }
      Token op = next();
      left = new Node.Binary(operator, left, unary(), op.offset());
    }
  }

  private Node unary() throws ExpressionException {
    if (peek().kind() == Kind.NOT) {
      Token op = next();
      if (++depth > MAX_DEPTH) {
        throw new ExpressionException(
            "expression is nested too deeply (more than " + MAX_DEPTH + " levels)", op.offset());
      }
      Node operand = unary();
      depth--;
      return new Node.Not(operand, op.offset());
    }
    return postfix();
  }

  private Node postfix() throws ExpressionException {
    Node node = primary();
    while (true) {
      Token token = peek();
      if (token.kind() == Kind.DOT) {
        next();
        Token name = next();
        if (name.kind() == Kind.IDENTIFIER) {
          node = new Node.Property(node, name.text(), name.offset());
        } else if (name.kind() == Kind.STAR) {
          node = new Node.Wildcard(node, name.offset());
        } else {
          throw new ExpressionException(
              "expected a property name after '.' but found " + name.describe(), name.offset());
        }
      } else if (token.kind() == Kind.LBRACKET) {
        next();
        if (peek().kind() == Kind.STAR && peek(1).kind() == Kind.RBRACKET) {
          node = new Node.Wildcard(node, next().offset());
        } else {
          node = new Node.Index(node, expression(), token.offset());
        }
        expect(Kind.RBRACKET, "expected ']' to close '[' but found ");
      } else {
        return node;
      }
    }
  }

  private Node primary() throws ExpressionException {
    Token token = next();
    switch (token.kind()) {
      case NUMBER, STRING:
        return new Node.Literal(token.value(), token.offset());
      case LPAREN:
        Node inner = expression();
        expect(Kind.RPAREN, "expected ')' to close '(' but found ");
        return inner;
      case IDENTIFIER:
        Object keyword = keyword(token.text());
        if (keyword != null) {
          return new Node.Literal(keyword == NULL_KEYWORD ? null : keyword, token.offset());
        }
        if (peek().kind() == Kind.LPAREN) {
          return call(token);
        }
        return new Node.ContextRef(token.text(), token.offset());
      default:
        throw unexpected(token);
    }
  }

  private static final Object NULL_KEYWORD = new Object();

  /** GitHub's keywords are case-sensitive: {@code True} is a (missing) context, not a boolean. */
  private static Object keyword(String text) {
    return switch (text) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      case "null" -> NULL_KEYWORD;
      case "NaN" -> Double.NaN;
      case "Infinity" -> Double.POSITIVE_INFINITY;
      default -> null;
    };
  }

  private Node call(Token name) throws ExpressionException {
    next();
    List<Node> args = new ArrayList<>();
    if (peek().kind() == Kind.RPAREN) {
      next();
      return new Node.Call(name.text(), args, name.offset());
    }
    while (true) {
      args.add(expression());
      Token separator = next();
      if (separator.kind() == Kind.RPAREN) {
        return new Node.Call(name.text(), args, name.offset());
      }
      if (separator.kind() == Kind.EOF) {
        throw new ExpressionException(
            "expected ')' after arguments of '" + name.text() + "'", separator.offset());
      }
      if (separator.kind() != Kind.COMMA) {
        throw new ExpressionException(
            "unexpected token "
                + separator.describe()
                + " in arguments of '"
                + name.text()
                + "'; expected ',' or ')'",
            separator.offset());
      }
    }
  }

  private void expect(Kind kind, String message) throws ExpressionException {
    Token token = next();
    if (token.kind() != kind) {
      throw new ExpressionException(message + token.describe(), token.offset());
    }
  }

  private static ExpressionException unexpected(Token token) {
    String message =
        token.kind() == Kind.EOF
            ? "unexpected end of expression"
            : "unexpected token " + token.describe();
    return new ExpressionException(message, token.offset());
  }

  private Token peek() {
    return tokens.get(index);
  }

  private Token peek(int ahead) {
    return tokens.get(Math.min(index + ahead, tokens.size() - 1));
  }

  private Token next() {
    Token token = tokens.get(index);
    if (token.kind() != Kind.EOF) {
      index++;
    }
    return token;
  }
}
