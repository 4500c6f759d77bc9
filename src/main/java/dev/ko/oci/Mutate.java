package dev.ko.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * Derives new images from existing ones; inputs are never changed. A derived image has a manifest
 * of its own, so it starts without attachments: the base's describe the base, not what is built on
 * it.
 */
public final class Mutate {
  private Mutate() {}

  /** A layer to append and its history entry. */
  public record Addition(Layer layer, History history) {}

  /**
   * Appends layers to {@code base}, applies {@code configChange} to the resulting config (after the
   * new diffIDs and history entries are in) and adds {@code annotations} to the base manifest's
   * own. The manifest keeps the base's media type and config media type.
   */
  public static BuiltImage append(
      Image base,
      List<Addition> additions,
      UnaryOperator<ConfigFile> configChange,
      Map<String, String> annotations) {
    List<Digest> diffIds = new ArrayList<>();
    List<History> history = new ArrayList<>();
    List<Layer> layers = new ArrayList<>(base.layers());
    List<Descriptor> descriptors = new ArrayList<>(base.manifest().layers());
    for (Addition a : additions) {
      diffIds.add(a.layer().diffId());
      history.add(a.history());
      layers.add(a.layer());
      descriptors.add(a.layer().descriptor());
    }
    ConfigFile config = configChange.apply(base.configFile().withAddedLayers(diffIds, history));
    SortedMap<String, String> merged = base.manifest().annotations();
    merged.putAll(annotations);
    Manifest manifest = base.manifest().withLayers(descriptors).withAnnotations(merged);
    return BuiltImage.of(manifest, config, layers);
  }
}
