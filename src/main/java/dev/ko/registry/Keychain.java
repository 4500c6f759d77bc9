package dev.ko.registry;

import dev.ko.name.Registry;
import java.io.IOException;

/** Finds credentials for a registry. */
@FunctionalInterface
public interface Keychain {
  Keychain ANONYMOUS = registry -> Credential.ANONYMOUS;

  /** The credential to use, or {@link Credential#ANONYMOUS} when none is known. */
  Credential resolve(Registry registry) throws IOException;
}
