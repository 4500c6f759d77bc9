package dev.ko.oci;

import java.util.List;

/** A single-platform image: manifest, config and layers. */
public non-sealed interface Image extends Artifact {
  Manifest manifest();

  /** The exact config bytes. */
  byte[] rawConfig();

  ConfigFile configFile();

  /** Layers in manifest order. */
  List<Layer> layers();

  default Descriptor configDescriptor() {
    return manifest().config();
  }
}
