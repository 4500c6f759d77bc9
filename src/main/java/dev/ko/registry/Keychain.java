package dev.ko.registry;

import dev.ko.name.Registry;
import java.io.IOException;

/** Finds credentials for a registry. */
@FunctionalInterface
public interface Keychain {
  Keychain ANONYMOUS = registry -> Credential.ANONYMOUS;

  /** The credential to use, or {@link Credential#ANONYMOUS} when none is known. */
  Credential resolve(Registry registry) throws IOException;

  /** The first non-anonymous answer of the given keychains, in order (ko's multi-keychain). */
  static Keychain firstOf(Keychain... keychains) {
    java.util.List<Keychain> all = java.util.List.of(keychains);
    return registry -> {
      for (Keychain k : all) {
        Credential c = k.resolve(registry);
        if (!c.isAnonymous()) {
          return c;
        }
      }
      return Credential.ANONYMOUS;
    };
  }
}
