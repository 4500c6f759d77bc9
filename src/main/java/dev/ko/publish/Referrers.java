package dev.ko.publish;

import java.util.Locale;

/**
 * How attachments (SBOMs, signatures, attestations) are placed next to what they describe: {@code
 * --referrers}, {@code KO_REFERRERS}, {@code .ko.yaml}'s {@code referrers}.
 */
public enum Referrers {
  /** cosign's tags, {@code sha256-<hex>.<kind>}, each a tiny image: ko's layout, the default. */
  COSIGN_TAGS("cosign-tags"),
  /**
   * OCI 1.1 referrers through the registry's referrers API; a registry that does not answer the
   * manifest PUT with {@code OCI-Subject} is an error.
   */
  API("api"),
  /** OCI 1.1 referrers, listed by us in the referrers tag schema's index ({@code sha256-<hex>}). */
  TAG("tag"),
  /** OCI 1.1 referrers: the API when the registry has it, else the referrers tag schema. */
  AUTO("auto");

  private final String value;

  Referrers(String value) {
    this.value = value;
  }

  /** The spelling of the flag's value. */
  public String value() {
    return value;
  }

  /** Whether attachments are pushed as OCI 1.1 referrers (manifests with a subject). */
  public boolean oci() {
    return this != COSIGN_TAGS;
  }

  /**
   * The mode named {@code value}, as given by {@code origin}.
   *
   * @throws IllegalArgumentException naming the value and what is expected
   */
  public static Referrers parse(String value, String origin) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    for (Referrers r : values()) {
      if (r.value.equals(v)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "invalid " + origin + " \"" + value + "\": want auto, api, tag or cosign-tags");
  }
}
