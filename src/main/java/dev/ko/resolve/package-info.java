/**
 * Kubernetes YAML in, digest references out: {@link dev.ko.resolve.Resolver} finds every {@code
 * ko://} string in the input files, has each distinct one built and published once (all in
 * parallel, through the {@code build} and {@code publish} interfaces), and splices the published
 * references into the original text, so comments, quoting, indentation, key order and line endings
 * stay exactly as they were. {@link dev.ko.resolve.Selector} is the Kubernetes label selector of
 * {@code -l}; {@link dev.ko.resolve.ManifestFiles} enumerates {@code -f}/{@code -R} inputs.
 */
package dev.ko.resolve;
