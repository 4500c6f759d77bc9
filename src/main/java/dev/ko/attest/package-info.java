/**
 * in-toto attestations in cosign's layout: in-toto Statement v1 documents about a pushed image or
 * index (its SBOM, its SLSA provenance v1), wrapped in DSSE envelopes signed by a {@link
 * dev.ko.sign.Signer}, and carried as the one {@code att} attachment of their subject (tag {@code
 * sha256-<hex>.att}, one layer per statement).
 */
package dev.ko.attest;
