package dev.ko.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a keychain knows for a registry: a username and password, or an identity (refresh) token, or
 * a ready registry token. {@link #toString()} never shows secrets.
 */
public record Credential(
    String username, String password, String identityToken, String registryToken) {
  public static final Credential ANONYMOUS = new Credential("", "", "", "");

  public Credential {
    username = username == null ? "" : username;
    password = password == null ? "" : password;
    identityToken = identityToken == null ? "" : identityToken;
    registryToken = registryToken == null ? "" : registryToken;
  }

  public static Credential basic(String username, String password) {
    return new Credential(username, password, "", "");
  }

  public boolean isAnonymous() {
    return username.isEmpty()
        && password.isEmpty()
        && identityToken.isEmpty()
        && registryToken.isEmpty();
  }

  public boolean hasPassword() {
    return !username.isEmpty() || !password.isEmpty();
  }

  String basicHeader() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    if (isAnonymous()) {
      return "Credential[anonymous]";
    }
    return "Credential[username=" + username + ", secrets redacted]";
  }
}
