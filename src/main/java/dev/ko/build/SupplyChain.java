package dev.ko.build;

/**
 * The opt-in supply chain metadata of a build; off by default, so ko's images are unchanged.
 *
 * @param provenance attach an SLSA provenance v1 predicate to each image and index ({@code
 *     --provenance}), which the registry publisher turns into an in-toto attestation
 * @param sourceAnnotations annotate images and indexes with {@code org.opencontainers.image.source}
 *     and {@code .revision} from git ({@code --source-annotations}); changes the digest
 * @param toolVersion ko-jvm's version, the builder version in the provenance
 */
public record SupplyChain(boolean provenance, boolean sourceAnnotations, String toolVersion) {
  public static final SupplyChain NONE = new SupplyChain(false, false, "");

  public SupplyChain {
    toolVersion = toolVersion == null ? "" : toolVersion;
  }
}
