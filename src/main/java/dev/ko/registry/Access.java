package dev.ko.registry;

import dev.ko.name.Registry;
import dev.ko.name.Repository;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The repositories and actions a series of requests needs; a Bearer token is requested for exactly
 * these scopes and reused while it is valid.
 *
 * @param repository the repository the requests are for: its credentials are the ones used
 * @param scopes token scopes, e.g. {@code repository:foo/bar:pull,push}, sorted
 */
record Access(Repository repository, List<String> scopes) {
  public Access {
    scopes = List.copyOf(new TreeSet<>(scopes));
  }

  public static Access pull(Repository repository) {
    return new Access(repository, List.of(scope(repository, false)));
  }

  /** Push to {@code target}, plus pull on each repository blobs will be mounted from. */
  public static Access push(Repository target, List<Repository> mountSources) {
    List<String> scopes = new ArrayList<>();
    scopes.add(scope(target, true));
    for (Repository source : mountSources) {
      if (source.registry().host().equals(target.registry().host())
          && !source.path().equals(target.path())) {
        scopes.add(scope(source, false));
      }
    }
    return new Access(target, scopes);
  }

  public Registry registry() {
    return repository.registry();
  }

  static String scope(Repository repository, boolean push) {
    return "repository:" + repository.path() + (push ? ":pull,push" : ":pull");
  }

  /** The same access with one more scope (a registry asked for it in a challenge). */
  Access with(String scope) {
    List<String> more = new ArrayList<>(scopes);
    more.add(scope);
    return new Access(repository, more);
  }
}
