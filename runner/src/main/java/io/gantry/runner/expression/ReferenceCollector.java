package io.gantry.runner.expression;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/** Finds the context property paths an expression reads, for {@link Expressions#references}. */
final class ReferenceCollector {

  private final List<Expressions.Reference> references;

  ReferenceCollector(List<Expressions.Reference> references) {
    this.references = references;
  }

  void collect(Node node) {
    if (node instanceof Node.Property
        || node instanceof Node.Index
        || node instanceof Node.Wildcard
        || node instanceof Node.ContextRef) {
      chain(node);
    } else if (node instanceof Node.Not not) {
      collect(not.operand());
    } else if (node instanceof Node.Binary binary) {
      collect(binary.left());
      collect(binary.right());
    } else if (node instanceof Node.Call call) {
      call.args().forEach(this::collect);
    }
  }

  /** Walks a property chain from its outermost access down to its root. */
  private void chain(Node node) {
    Deque<String> segments = new ArrayDeque<>();
    Node current = node;
    while (true) {
      if (current instanceof Node.Property property) {
        segments.addFirst(property.name().toLowerCase(Locale.ROOT));
        current = property.target();
      } else if (current instanceof Node.Wildcard wildcard) {
        segments.addFirst("*");
        current = wildcard.target();
      } else if (current instanceof Node.Index index) {
        // A literal string index is a property name; any other index may select any element.
        if (index.index() instanceof Node.Literal literal && literal.value() instanceof String s) {
          segments.addFirst(s.toLowerCase(Locale.ROOT));
        } else {
          segments.addFirst("*");
          collect(index.index());
        }
        current = index.target();
      } else if (current instanceof Node.ContextRef ref) {
        segments.addFirst(ref.name().toLowerCase(Locale.ROOT));
        references.add(new Expressions.Reference(String.join(".", segments), ref.offset()));
        return;
      } else {
        collect(current);
        return;
      }
    }
  }
}
