package io.gantry.runner.expression;

import io.gantry.runner.expression.Node.Binary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Evaluates a validated syntax tree against an {@link ExpressionContext}. */
final class Evaluator {

  private final ExpressionContext context;

  Evaluator(ExpressionContext context) {
    this.context = context;
  }

  /** The value of {@code node}, with filter results turned into plain lists. */
  Object evaluate(Node node) throws ExpressionException {
    Object value = eval(node);
    return value instanceof FilteredArray filtered ? new ArrayList<>(filtered) : value;
  }

  private Object eval(Node node) throws ExpressionException {
    if (node instanceof Node.Literal literal) {
      return literal.value();
    } else if (node instanceof Node.ContextRef ref) {
      return contextValue(ref);
    } else if (node instanceof Node.Property property) {
      return property(eval(property.target()), property.name());
    } else if (node instanceof Node.Index index) {
      return index(eval(index.target()), eval(index.index()));
    } else if (node instanceof Node.Wildcard wildcard) {
      return wildcard(eval(wildcard.target()));
    } else if (node instanceof Node.Not not) {
      return !Values.truthy(eval(not.operand()));
    } else if (node instanceof Binary binary) {
      return binary(binary);
    } else if (node instanceof Node.Call call) {
      List<Object> args = new ArrayList<>(call.args().size());
      for (Node arg : call.args()) {
        args.add(evaluate(arg));
      }
      return Functions.call(call, args, context);
    }
    throw new IllegalStateException("unknown node " + node);
  }

  private Object contextValue(Node.ContextRef ref) throws ExpressionException {
    Map<String, Object> contexts = context.contexts() == null ? Map.of() : context.contexts();
    Object value = Values.property(contexts, ref.name());
    if (value == Values.MISSING) {
      throw new ExpressionException(
          Validator.unavailableContext(ref.name(), contexts.keySet()), ref.offset());
    }
    return value;
  }

  private Object binary(Binary binary) throws ExpressionException {
    Object left = eval(binary.left());
    switch (binary.operator()) {
      case AND:
        return Values.truthy(left) ? eval(binary.right()) : left;
      case OR:
        return Values.truthy(left) ? left : eval(binary.right());
      default:
        break;
    }
    Object right = eval(binary.right());
    if (binary.operator() == Node.Operator.EQ) {
      return Values.looseEquals(left, right);
    }
    if (binary.operator() == Node.Operator.NE) {
      return !Values.looseEquals(left, right);
    }
    Integer order = Values.compare(left, right);
    if (order == null) {
      return false;
    }
    return switch (binary.operator()) {
      case LT -> order < 0;
      case LE -> order <= 0;
      case GT -> order > 0;
      case GE -> order >= 0;
      default -> throw new IllegalStateException("not a comparison: " + binary.operator());
    };
  }

  private static Object property(Object target, String name) {
    if (target instanceof FilteredArray filtered) {
      FilteredArray result = new FilteredArray();
      for (Object element : filtered) {
        if (element instanceof Map<?, ?> map) {
          Object value = Values.property(map, name);
          if (value != Values.MISSING) {
            result.add(value);
          }
        }
      }
      return result;
    }
    if (target instanceof Map<?, ?> map) {
      Object value = Values.property(map, name);
      return value == Values.MISSING ? null : value;
    }
    return null;
  }

  private static Object index(Object target, Object key) {
    if (target instanceof FilteredArray filtered) {
      FilteredArray result = new FilteredArray();
      for (Object element : filtered) {
        Object value = index(element, key);
        if (value != null) {
          result.add(value);
        }
      }
      return result;
    }
    if (target instanceof List<?> list) {
      if (Values.isStructured(key)) {
        return null;
      }
      double number = Values.toNumber(key);
      if (number >= 0 && number < list.size() && number == Math.rint(number)) {
        return list.get((int) number);
      }
      return null;
    }
    if (target instanceof Map<?, ?> map && !Values.isStructured(key)) {
      Object value = Values.property(map, Values.stringify(key));
      return value == Values.MISSING ? null : value;
    }
    return null;
  }

  private static FilteredArray wildcard(Object target) {
    FilteredArray result = new FilteredArray();
    if (target instanceof FilteredArray filtered) {
      for (Object element : filtered) {
        result.addAll(wildcard(element));
      }
    } else if (target instanceof List<?> list) {
      result.addAll(list);
    } else if (target instanceof Map<?, ?> map) {
      result.addAll(map.values());
    }
    return result;
  }
}
