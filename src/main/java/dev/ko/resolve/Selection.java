package dev.ko.resolve;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * What of a file a selector keeps: whole documents, and items of {@code kind: List} documents. The
 * result is the nodes still in play and the deletions that cut the rest out of the text, leaving
 * the kept documents and items byte for byte as they were.
 */
final class Selection {
  /** What of one document is still in play: its root (or none), and its dropped List items. */
  record Kept(List<Node> roots, Set<Node> droppedItems) {}

  private final Optional<Selector> selector;
  private final List<Edit> deletions = new ArrayList<>();

  private Selection(Optional<Selector> selector) {
    this.selector = selector;
  }

  /** The edits that cut dropped documents and items out of the text (those added so far). */
  List<Edit> deletions() {
    return deletions;
  }

  /**
   * Whether a scalar of the input is gone from the output: it starts inside a deletion (each one
   * covers a dropped document or item whole, and nothing that is kept). An empty scalar (a null
   * document's) has no text of its own: the parser places it at the next token, which may be just
   * where the deletion ends.
   */
  boolean drops(YamlFile.Scalar s) {
    for (Edit d : deletions) {
      if (d.start() <= s.start()
          && (s.start() < d.end() || (s.start() == d.end() && s.value().isEmpty()))) {
        return true;
      }
    }
    return false;
  }

  /** Every document, nothing cut. */
  static Selection all() {
    return new Selection(Optional.empty());
  }

  /** ko's rules: null documents go silently, other documents must be Kubernetes objects. */
  static Selection of(Selector selector) {
    return new Selection(Optional.of(selector));
  }

  /**
   * Decides about one document, as the file is read document by document (so no document's tree
   * needs to outlive this call); the deletions it needs are added to {@link #deletions()}.
   */
  Kept add(YamlFile file, YamlFile.Document doc) {
    Node root = doc.root();
    if (selector.isEmpty()) {
      return new Kept(List.of(root), Set.of());
    }
    Set<Node> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
    Optional<String> kind = kind(root);
    boolean keep;
    if (kind.isEmpty()) {
      keep = false;
    } else if (kind.get().equals("List")) {
      SequenceNode items = items(root);
      List<Node> matching = new ArrayList<>();
      for (Node item : items.getValue()) {
        kind(item); // each item must be an object (or null, which has no labels), as in ko
        if (selector.get().matches(labels(item))) {
          matching.add(item);
        } else {
          dropped.add(item);
        }
      }
      keep = !matching.isEmpty();
      if (keep && matching.size() < items.getValue().size()) {
        deletions.addAll(itemDeletions(file, items, dropped));
      }
    } else {
      keep = selector.get().matches(labels(root));
    }
    if (keep) {
      return new Kept(List.of(root), dropped);
    }
    deletions.add(Edit.delete(doc.start(), doc.end()));
    return new Kept(List.of(), Set.of());
  }

  /**
   * The object's kind; empty for a null document; an error unless it has string apiVersion and
   * kind.
   */
  private static Optional<String> kind(Node node) {
    if (node.getTag().equals(Tag.NULL)) {
      return Optional.empty();
    }
    if (node instanceof MappingNode m) {
      Node apiVersion = value(m, "apiVersion");
      Node kind = value(m, "kind");
      if (isString(apiVersion) && isString(kind)) {
        return Optional.of(((ScalarNode) kind).getValue());
      }
    }
    throw new IllegalArgumentException("yaml doesn't represent a k8s object");
  }

  private static SequenceNode items(Node list) {
    if (value((MappingNode) list, "items") instanceof SequenceNode s) {
      return s;
    }
    throw new IllegalArgumentException("yaml is not a valid k8s list");
  }

  /**
   * {@code metadata.labels}; missing means no labels. Values are as written (ko compares the text).
   */
  private static Map<String, String> labels(Node object) {
    Map<String, String> out = new HashMap<>();
    if (object instanceof MappingNode m
        && value(m, "metadata") instanceof MappingNode metadata
        && value(metadata, "labels") instanceof MappingNode labels) {
      for (NodeTuple t : labels.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k) {
          String v = t.getValueNode() instanceof ScalarNode s ? s.getValue() : "";
          out.putIfAbsent(k.getValue(), v);
        }
      }
    }
    return out;
  }

  private static Node value(MappingNode m, String key) {
    for (NodeTuple t : m.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        return t.getValueNode();
      }
    }
    return null;
  }

  private static boolean isString(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.STR);
  }

  // ---------------------------------------------------------------- cutting items out of the text

  private static List<Edit> itemDeletions(YamlFile file, SequenceNode items, Set<Node> dropped) {
    return items.getFlowStyle() == FlowStyle.FLOW
        ? flowItemDeletions(file, items, dropped)
        : blockItemDeletions(file, items, dropped);
  }

  /**
   * A block item runs from the comment lines right above its {@code -} line to where the next item
   * starts (the last one to the end of the sequence): comments above an item go with it.
   */
  private static List<Edit> blockItemDeletions(
      YamlFile file, SequenceNode items, Set<Node> dropped) {
    String text = file.text();
    List<Node> all = items.getValue();
    int[] starts = new int[all.size() + 1];
    for (int i = 0; i < all.size(); i++) {
      starts[i] = withCommentsAbove(text, lineStart(text, dash(text, file.start(all.get(i)))));
    }
    starts[all.size()] = file.end(items);
    List<Edit> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      if (dropped.contains(all.get(i))) {
        out.add(Edit.delete(starts[i], Math.max(starts[i], starts[i + 1])));
      }
    }
    return out;
  }

  /**
   * A flow sequence ({@code [a, b, c]}, JSON) keeps its brackets, the text before the first item
   * and after the last: a dropped item goes with the separator after it, or, for dropped items
   * after the last kept one, with the separator before them. Only deletions, so edits inside kept
   * items stay.
   */
  private static List<Edit> flowItemDeletions(
      YamlFile file, SequenceNode items, Set<Node> dropped) {
    List<Node> all = items.getValue();
    int lastKept = -1;
    for (int i = 0; i < all.size(); i++) {
      if (!dropped.contains(all.get(i))) {
        lastKept = i;
      }
    }
    List<Edit> out = new ArrayList<>();
    for (int i = 0; i < lastKept; i++) {
      if (dropped.contains(all.get(i))) {
        out.add(Edit.delete(file.start(all.get(i)), file.start(all.get(i + 1))));
      }
    }
    if (lastKept < all.size() - 1) {
      out.add(Edit.delete(file.end(all.get(lastKept)), file.end(all.get(all.size() - 1))));
    }
    return out;
  }

  /** Moves a line start up over the comment-only lines directly above it. */
  private static int withCommentsAbove(String text, int lineStart) {
    int start = lineStart;
    while (start > 0) {
      int lineBreak = start - 1;
      if (lineBreak > 0 && text.charAt(lineBreak) == '\n' && text.charAt(lineBreak - 1) == '\r') {
        lineBreak--;
      }
      int previous = lineStart(text, lineBreak);
      if (!text.substring(previous, start).strip().startsWith("#")) {
        break;
      }
      start = previous;
    }
    return start;
  }

  /** The {@code -} of a block sequence item whose content starts at {@code contentStart}. */
  private static int dash(String text, int contentStart) {
    int i = contentStart - 1;
    while (i >= 0) {
      char c = text.charAt(i);
      if (c == '-') {
        return i;
      }
      if (c == '\n' || c == '\r') {
        // "- # comment" with the item on the next line: look for the dash on an earlier line.
        int lineStart = lineStart(text, i);
        String line = text.substring(lineStart, i).strip();
        if (line.startsWith("-")
            && (line.length() == 1 || Character.isWhitespace(line.charAt(1)))) {
          return text.indexOf('-', lineStart);
        }
        if (!line.isEmpty() && !line.startsWith("#")) {
          break;
        }
        i = lineStart - 1;
        continue;
      }
      if (c != ' ' && c != '\t') {
        break;
      }
      i--;
    }
    throw new IllegalStateException("no '-' before the list item at offset " + contentStart);
  }

  private static int lineStart(String text, int offset) {
    int i = offset;
    while (i > 0 && text.charAt(i - 1) != '\n' && text.charAt(i - 1) != '\r') {
      i--;
    }
    return i;
  }
}
