package dev.ko.build;

import java.io.IOException;
import java.util.Collection;

/**
 * A builder decorator's base: everything but {@link #build} goes to the builder it wraps, so a
 * decorator states only what it changes.
 */
public abstract class ForwardingBuilder implements Builder {
  protected final Builder inner;

  protected ForwardingBuilder(Builder inner) {
    this.inner = inner;
  }

  @Override
  public String qualifyImport(String importPath) throws IOException {
    return inner.qualifyImport(importPath);
  }

  @Override
  public void prepare(Collection<String> references) throws IOException {
    inner.prepare(references);
  }

  @Override
  public void checkSupported(String reference) throws IOException {
    inner.checkSupported(reference);
  }
}
