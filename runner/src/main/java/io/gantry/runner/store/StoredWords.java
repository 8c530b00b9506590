package io.gantry.runner.store;

import java.util.List;
import java.util.function.Function;

/** The words a status enum is stored as, read back: one loop and one message for them all. */
final class StoredWords {

  private StoredWords() {}

  /**
   * The value of {@code values} whose stored word is {@code value}.
   *
   * @param what the field, for the message
   * @throws IllegalArgumentException naming the field and the allowed words
   */
  static <E extends Enum<E>> E parse(
      E[] values, Function<E, String> word, String what, String value) {
    for (E e : values) {
      if (word.apply(e).equals(value)) {
        return e;
      }
    }
    List<String> words = java.util.Arrays.stream(values).map(word).toList();
    throw new IllegalArgumentException(
        what
            + " must be one of "
            + String.join(", ", words.subList(0, words.size() - 1))
            + " or "
            + words.get(words.size() - 1)
            + ", not "
            + value);
  }
}
