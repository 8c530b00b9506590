package io.gantry.runner.expression;

import java.util.ArrayList;

/**
 * The result of a {@code *} filter. It differs from a plain array in how it is dereferenced: {@code
 * .name} and {@code [i]} apply to each element rather than to the array itself.
 */
final class FilteredArray extends ArrayList<Object> {}
