package io.gantry.runner.expression;

/**
 * A problem found by {@link Expressions#check}: the message and the 0-based offset of the fault
 * within the checked text.
 */
public record ExpressionProblem(String message, int offset) {}
