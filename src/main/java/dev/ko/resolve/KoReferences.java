package dev.ko.resolve;

import dev.ko.name.ImportPath;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Finds the {@code ko://} strings of a document, as ko does: every string scalar (map keys too, any
 * depth, any style) whose value starts with {@code ko://}; the reference is the value without
 * surrounding white space. Nodes reached through aliases are the same node, found once.
 */
final class KoReferences {
  /**
   * A reference and where its scalar is ({@code char} offsets of its node, properties included):
   * what the splice needs, without the node (whose marks hold on to the parser's buffers).
   */
  record Found(int start, int end, ScalarStyle style, int line, String reference) {}

  private KoReferences() {}

  static List<Found> find(YamlFile file, List<Node> roots, Set<Node> skip) {
    List<Found> out = new ArrayList<>();
    Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Node> todo = new ArrayDeque<>();
    for (int i = roots.size() - 1; i >= 0; i--) {
      todo.push(roots.get(i));
    }
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      if (skip.contains(n) || !seen.add(n)) {
        continue;
      }
      if (n instanceof ScalarNode s) {
        if (s.getTag().equals(Tag.STR) && ImportPath.isStrict(s.getValue())) {
          out.add(
              new Found(
                  file.start(s),
                  file.end(s),
                  s.getScalarStyle(),
                  s.getStartMark().orElseThrow().getLine() + 1,
                  s.getValue().strip()));
        }
      } else if (n instanceof MappingNode m) {
        List<NodeTuple> tuples = m.getValue();
        for (int i = tuples.size() - 1; i >= 0; i--) {
          todo.push(tuples.get(i).getValueNode());
          todo.push(tuples.get(i).getKeyNode());
        }
      } else if (n instanceof SequenceNode q) {
        List<Node> items = q.getValue();
        for (int i = items.size() - 1; i >= 0; i--) {
          todo.push(items.get(i));
        }
      }
    }
    return out;
  }
}
