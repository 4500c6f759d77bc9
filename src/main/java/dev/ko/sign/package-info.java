/**
 * Signatures in cosign's layout: the simple-signing payload of an image, {@link Signer}s that sign
 * bytes (a key from a PEM file today; keyless signing would be another implementation), and the
 * {@code sig} attachment that carries payload and signature.
 */
package dev.ko.sign;
