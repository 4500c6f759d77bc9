package dev.ko.build;

import dev.ko.oci.LayerFile;

/** A built binary's layer and its {@code go version -m} output (empty when SBOMs are off). */
record Compiled(LayerFile layer, String versionM) {}
