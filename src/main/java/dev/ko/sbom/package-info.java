/**
 * Software bills of materials for built images, as ko makes them: the Go module list recorded in
 * the binary ({@code go version -m}) becomes an SPDX 2.3 (or CycloneDX 1.6) JSON document per image
 * and per index, attached as a cosign-style {@code sbom} attachment and optionally written to a
 * directory.
 */
package dev.ko.sbom;
