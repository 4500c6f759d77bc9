package dev.ko.build;

import java.util.List;

/**
 * One {@code builds[]} entry of {@code .ko.yaml}, already matched to its import path.
 *
 * @param id the entry's id, or {@code #<index>}
 * @param importPath the fully qualified import path of the entry's main package
 * @param dir the directory go runs in, relative to the working directory
 * @param main the main package, relative to {@code dir}
 * @param linuxCapabilities capability specs ({@code cap1,cap2=ep})
 */
public record BuildConfig(
    String id,
    String importPath,
    String dir,
    String main,
    List<String> env,
    List<String> flags,
    List<String> ldflags,
    List<String> linuxCapabilities) {
  public BuildConfig {
    env = List.copyOf(env);
    flags = List.copyOf(flags);
    ldflags = List.copyOf(ldflags);
    linuxCapabilities = List.copyOf(linuxCapabilities);
  }
}
