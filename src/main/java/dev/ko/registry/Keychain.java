package dev.ko.registry;

import dev.ko.name.Repository;
import java.io.IOException;
import java.util.List;

/**
 * Finds credentials for a repository. As in go-containerregistry, a keychain may know credentials
 * for one repository of a registry and others (or none) for the rest of it.
 */
@FunctionalInterface
public interface Keychain {
  Keychain ANONYMOUS = repository -> Credential.ANONYMOUS;

  /** The credential to use, or {@link Credential#ANONYMOUS} when none is known. */
  Credential resolve(Repository repository) throws IOException;

  /** The first non-anonymous answer of the given keychains, in order (ko's multi-keychain). */
  static Keychain firstOf(Keychain... keychains) {
    List<Keychain> all = List.of(keychains);
    return repository -> {
      for (Keychain k : all) {
        Credential c = k.resolve(repository);
        if (!c.isAnonymous()) {
          return c;
        }
      }
      return Credential.ANONYMOUS;
    };
  }
}
