package io.gantry.runner.workflow;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The inputs of a job's {@code uses:} steps as their actions judge them before anything runs
 * ({@link ActionCatalog#inputProblems}): each problem one line naming the step and the input, at
 * the input's position. Steps see the workflow's and the job's {@code env} names, their own, and
 * what the job's earlier steps export.
 */
final class StepInputChecks {

  private StepInputChecks() {}

  /**
   * @param steps the job's steps as read
   * @param nodes their YAML nodes, index for index
   */
  static void check(
      Report report,
      ActionCatalog actions,
      Set<String> workflowEnv,
      Map<String, String> jobEnv,
      List<Step> steps,
      List<Node> nodes) {
    Set<String> visible = new LinkedHashSet<>(workflowEnv);
    visible.addAll(jobEnv.keySet());
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      if (step.uses() == null) {
        continue;
      }
      Set<String> env = new LinkedHashSet<>(visible);
      env.addAll(step.env().keySet());
      for (InputProblem problem : actions.inputProblems(step.uses(), step.with(), env)) {
        Node at = inputNode(nodes.get(i), problem.input());
        String message = label(step, i) + ": input '" + problem.input() + "': " + problem.message();
        if (problem.warning()) {
          report.warning(at, message);
        } else {
          report.error(at, message);
        }
      }
      visible.addAll(actions.exportsOf(step.uses()));
    }
  }

  /** {@code step 'NAME'}, else its id, else its position and action. */
  private static String label(Step step, int index) {
    if (step.name() != null && !step.name().isBlank()) {
      return "step '" + step.name() + "'";
    }
    if (step.id() != null) {
      return "step '" + step.id() + "'";
    }
    return "step " + (index + 1) + " (" + step.uses() + ")";
  }

  /** The input's value under {@code with:}, else the step. */
  private static Node inputNode(Node step, String input) {
    if (step instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode key
            && key.getValue().equals("with")
            && tuple.getValueNode() instanceof MappingNode with) {
          for (NodeTuple entry : with.getValue()) {
            if (entry.getKeyNode() instanceof ScalarNode name && name.getValue().equals(input)) {
              return entry.getValueNode();
            }
          }
          return tuple.getKeyNode();
        }
      }
    }
    return step;
  }
}
