package dev.ko.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Checks a resolved file against its input without trusting the resolver: mapping every published
 * reference in the output back to its {@code ko://} reference must give the input byte for byte,
 * and composing both must give the same trees, except that every {@code ko://} string is now its
 * published reference.
 */
public final class SpliceOracle {
  private SpliceOracle() {}

  /**
   * The output with each published reference replaced by the {@code ko://} reference it came from.
   */
  public static String mapBack(String output, Map<String, String> referenceOfPublished) {
    String s = output;
    for (Map.Entry<String, String> e : referenceOfPublished.entrySet()) {
      s = s.replace(e.getKey(), e.getValue());
    }
    return s;
  }

  /**
   * Same documents, same structure, tags and styles; strings starting with ko:// replaced as
   * published.
   */
  public static void assertSameTreesWithReferencesReplaced(
      String input, String output, Map<String, String> publishedOf) {
    List<Node> in = compose(input);
    List<Node> out = compose(output);
    assertThat(out).as("documents").hasSameSizeAs(in);
    int[] replaced = {0};
    for (int i = 0; i < in.size(); i++) {
      compare(in.get(i), out.get(i), publishedOf, "doc" + i, replaced, new IdentityHashMap<>());
    }
  }

  /** How many ko:// string scalars a text holds (aliases not counted twice). */
  public static int references(String text) {
    int n = 0;
    IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
    List<Node> todo = new ArrayList<>(compose(text));
    while (!todo.isEmpty()) {
      Node node = todo.remove(todo.size() - 1);
      if (seen.put(node, true) != null) {
        continue;
      }
      if (node instanceof ScalarNode s
          && s.getTag().equals(Tag.STR)
          && s.getValue().startsWith("ko://")) {
        n++;
      } else if (node instanceof MappingNode m) {
        m.getValue()
            .forEach(
                t -> {
                  todo.add(t.getKeyNode());
                  todo.add(t.getValueNode());
                });
      } else if (node instanceof SequenceNode q) {
        todo.addAll(q.getValue());
      }
    }
    return n;
  }

  public static List<Node> compose(String text) {
    List<Node> out = new ArrayList<>();
    new Compose(LoadSettings.builder().build()).composeAllFromString(text).forEach(out::add);
    return out;
  }

  private static void compare(
      Node in,
      Node out,
      Map<String, String> publishedOf,
      String path,
      int[] replaced,
      IdentityHashMap<Node, Node> seen) {
    if (seen.containsKey(in)) {
      assertThat(seen.get(in)).as(path + ": aliases point at the same node").isSameAs(out);
      return;
    }
    seen.put(in, out);
    assertThat(out.getNodeType()).as(path).isEqualTo(in.getNodeType());
    assertThat(out.getTag()).as(path).isEqualTo(in.getTag());
    if (in instanceof ScalarNode s) {
      ScalarNode o = (ScalarNode) out;
      assertThat(o.getScalarStyle()).as(path + " style").isEqualTo(s.getScalarStyle());
      if (s.getTag().equals(Tag.STR) && s.getValue().startsWith("ko://")) {
        String ref = s.getValue().strip();
        assertThat(o.getValue()).as(path).isEqualTo(publishedOf.get(ref));
        replaced[0]++;
      } else {
        assertThat(o.getValue()).as(path).isEqualTo(s.getValue());
      }
    } else if (in instanceof MappingNode m) {
      List<NodeTuple> a = m.getValue();
      List<NodeTuple> b = ((MappingNode) out).getValue();
      assertThat(b).as(path).hasSameSizeAs(a);
      for (int i = 0; i < a.size(); i++) {
        compare(
            a.get(i).getKeyNode(),
            b.get(i).getKeyNode(),
            publishedOf,
            path + ".key" + i,
            replaced,
            seen);
        compare(
            a.get(i).getValueNode(),
            b.get(i).getValueNode(),
            publishedOf,
            path + "." + i,
            replaced,
            seen);
      }
    } else if (in instanceof SequenceNode q) {
      List<Node> a = q.getValue();
      List<Node> b = ((SequenceNode) out).getValue();
      assertThat(b).as(path).hasSameSizeAs(a);
      for (int i = 0; i < a.size(); i++) {
        compare(a.get(i), b.get(i), publishedOf, path + "[" + i + "]", replaced, seen);
      }
    }
  }
}
