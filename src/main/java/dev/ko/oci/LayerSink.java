package dev.ko.oci;

/**
 * An optional receiver of a new layer's compressed bytes while {@link LayerFile#write} produces
 * them (an upload that starts before the layer is complete). A sink can never fail or change the
 * layer: whatever goes wrong on its side, it gives up on its own and the file is written as ever.
 */
@FunctionalInterface
public interface LayerSink {
  /** Takes nothing. */
  LayerSink NONE = () -> null;

  /** A receiver for one new layer, or null when nothing takes it. Never throws. */
  Stream open();

  /** The sinks of the layers of one image, by the import path that image is built from. */
  @FunctionalInterface
  interface PerImage {
    /** Takes nothing for any image. */
    PerImage NONE = importPath -> LayerSink.NONE;

    LayerSink forImportPath(String importPath);
  }

  /** One layer's bytes, in order. Never throws into the writer. */
  interface Stream {
    /**
     * Takes the next bytes (copied before it returns); may block the writer briefly.
     *
     * @return false once the stream has given up: the writer feeds it no more
     */
    boolean write(byte[] bytes, int offset, int length);

    /** All bytes were written; they have this digest and size. Returns at once. */
    void finish(Digest digest, long size);

    /** The layer will not be finished (its writing failed): whatever was received is dropped. */
    void abandon();
  }
}
