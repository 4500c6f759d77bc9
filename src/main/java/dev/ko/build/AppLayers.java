package dev.ko.build;

import dev.ko.oci.GoPath;
import dev.ko.oci.LayerFile;
import dev.ko.oci.LayerSink;
import dev.ko.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The two layers ko adds: kodata under {@code /var/run/ko} and the binary under {@code /ko-app},
 * with ko's entry names (leading slash or not), modes (0555), owners (0) and times.
 */
final class AppLayers {
  static final String KODATA_ROOT = "/var/run/ko";
  static final String APP_DIR = "/ko-app";
  static final int MODE = 0555;

  /** Owner BUILTIN/Users, group BUILTIN/Users: without it Windows cannot execute the file. */
  static final byte[] WINDOWS_RAW_SD =
      "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA=="
          .getBytes(StandardCharsets.US_ASCII);

  private AppLayers() {}

  /** Reports a kodata symlink that Windows images skip. */
  interface SkipListener {
    void skipped(String name);
  }

  /**
   * Writes the kodata layer. Symlinks are followed, but only to targets inside {@code allowedRoot};
   * on Windows they are skipped.
   */
  static LayerFile kodata(
      Path target,
      MediaType mediaType,
      Path kodataDir,
      Path allowedRoot,
      boolean windows,
      long mtime,
      SkipListener skipped)
      throws IOException {
    return kodata(
        target,
        mediaType,
        scanKodata(kodataDir, allowedRoot, windows, skipped),
        windows,
        mtime,
        Runnable::run,
        1);
  }

  /** Writes the kodata layer of entries that {@link #scanKodata} found. */
  static LayerFile kodata(
      Path target,
      MediaType mediaType,
      List<KodataEntry> entries,
      boolean windows,
      long mtime,
      Executor helpers,
      int parallelism)
      throws IOException {
    return kodata(target, mediaType, entries, windows, mtime, helpers, parallelism, LayerSink.NONE);
  }

  /** As above, the compressed bytes offered to {@code sink} too (see {@link LayerFile#write}). */
  static LayerFile kodata(
      Path target,
      MediaType mediaType,
      List<KodataEntry> entries,
      boolean windows,
      long mtime,
      Executor helpers,
      int parallelism,
      LayerSink sink)
      throws IOException {
    return LayerFile.write(
        target,
        mediaType,
        tar -> {
          List<String> dirs = List.of("/var", "/var/run", "/var/run/ko");
          if (windows) {
            dirs = List.of("Hives", "Files", "Files/var", "Files/var/run", "Files/var/run/ko");
          }
          // ko stamps the parent directories with the kodata time too.
          for (String d : dirs) {
            tar.directory(d, MODE, mtime);
          }
          Map<String, byte[]> pax = windows ? Map.of("MSWINDOWS.rawsd", WINDOWS_RAW_SD) : Map.of();
          for (KodataEntry e : entries) {
            if (e.directory()) {
              tar.directory(e.name(), MODE, mtime);
              continue;
            }
            try (InputStream in = Files.newInputStream(e.source())) {
              tar.file(e.name(), MODE, mtime, e.size(), in, pax);
            }
          }
        },
        helpers,
        parallelism,
        sink);
  }

  /**
   * One entry of the kodata layer: its name in the tar, and for a file where its bytes are read
   * from (the symlink's target) and what its metadata was when the tree was scanned.
   *
   * @param fileKey the file's identity on its device (inode), or null if the system has none
   */
  record KodataEntry(
      String name,
      boolean directory,
      Path source,
      long size,
      Object fileKey,
      FileTime modified,
      FileTime changed) {}

  /**
   * The kodata tree in the layer's order, without reading any file. Symlinks are followed, but only
   * to targets inside {@code allowedRoot}; on Windows they are skipped.
   */
  static List<KodataEntry> scanKodata(
      Path kodataDir, Path allowedRoot, boolean windows, SkipListener skipped) throws IOException {
    List<KodataEntry> out = new ArrayList<>();
    if (Files.isDirectory(kodataDir)) {
      String root = windows ? "Files" + KODATA_ROOT : KODATA_ROOT;
      Path realRoot = location(allowedRoot); // not toRealPath: the root may be kodata, a link
      if (Files.isSymbolicLink(kodataDir)) {
        checkInside(kodataDir, kodataDir.toRealPath(), realRoot);
      }
      Set<Path> onPath = new HashSet<>();
      onPath.add(kodataDir.toRealPath());
      walk(out, kodataDir, root, realRoot, windows, skipped, onPath);
    }
    return out;
  }

  /**
   * Go's filepath.Walk order: entries of a directory sorted by name bytes, depth first. {@code
   * onPath} holds the real directories being walked, from kodata down to {@code dir}: a symlink to
   * one of them would recurse forever.
   */
  private static void walk(
      List<KodataEntry> out,
      Path dir,
      String chroot,
      Path allowedRoot,
      boolean windows,
      SkipListener skipped,
      Set<Path> onPath)
      throws IOException {
    for (Path entry : sortedChildren(dir)) {
      String name = chroot + "/" + entry.getFileName().toString();
      boolean link = Files.isSymbolicLink(entry);
      if (!link && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
        out.add(new KodataEntry(name, true, entry, 0, null, null, null));
        Path real = entry.toRealPath();
        onPath.add(real);
        walk(out, entry, name, allowedRoot, windows, skipped, onPath);
        onPath.remove(real);
        continue;
      }
      if (link && windows) {
        skipped.skipped(entry.getFileName().toString());
        continue;
      }
      Path real;
      try {
        real = entry.toRealPath();
      } catch (IOException e) {
        throw new IOException("kodata: cannot resolve \"" + entry + "\": " + e.getMessage(), e);
      }
      checkInside(entry, real, allowedRoot);
      if (Files.isDirectory(real)) {
        if (onPath.contains(real)) {
          throw new IllegalArgumentException(
              "kodata symlink \""
                  + entry
                  + "\" points to \""
                  + real
                  + "\", a directory that contains it: following it would never end");
        }
        out.add(new KodataEntry(name, true, real, 0, null, null, null));
        onPath.add(real);
        walk(out, real, name, allowedRoot, windows, skipped, onPath);
        onPath.remove(real);
        continue;
      }
      BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class);
      out.add(
          new KodataEntry(
              name,
              false,
              real,
              attrs.size(),
              attrs.fileKey(),
              attrs.lastModifiedTime(),
              changeTime(real)));
    }
  }

  /**
   * The file's status change time (ctime), which a content change always moves; null if unknown.
   */
  private static FileTime changeTime(Path file) {
    try {
      return (FileTime) Files.getAttribute(file, "unix:ctime");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null;
    }
  }

  private static List<Path> sortedChildren(Path dir) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(children::add);
    }
    children.sort(
        Comparator.comparing(
            p -> p.getFileName().toString().getBytes(StandardCharsets.UTF_8),
            Arrays::compareUnsigned));
    return children;
  }

  /** The real path of a file's directory, plus its own name: a final symlink is not followed. */
  private static Path location(Path p) throws IOException {
    Path absolute = p.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    if (parent == null || absolute.getFileName() == null) {
      return absolute;
    }
    return Files.exists(parent) ? parent.toRealPath().resolve(absolute.getFileName()) : absolute;
  }

  private static void checkInside(Path link, Path real, Path allowedRoot) {
    if (!real.startsWith(allowedRoot)) {
      throw new IllegalArgumentException(
          "kodata symlink \""
              + link
              + "\" resolves to \""
              + real
              + "\" which is outside the allowed root \""
              + allowedRoot
              + "\"");
    }
  }

  /**
   * Where kodata symlinks may point: {@code KO_DATA_PATH_ALLOWED_ROOT} if it contains kodata, else
   * the nearest enclosing git worktree, else kodata itself.
   */
  static Path allowedRoot(Path kodataDir, String allowedRootEnv) throws IOException {
    // Where kodata sits, not where it points: a kodata that is itself a link must not choose its
    // own root (scanKodata checks its target against this root like any other link's).
    Path kodata = location(kodataDir);
    if (!allowedRootEnv.isEmpty()) {
      Path widened = Path.of(allowedRootEnv).toAbsolutePath().normalize();
      if (Files.exists(widened)) {
        widened = widened.toRealPath();
      }
      if (kodata.startsWith(widened)) {
        return widened;
      }
    }
    for (Path p = kodata.getParent(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
        return p;
      }
    }
    return kodata;
  }

  /**
   * Writes the binary layer: {@code ko-app} then {@code /ko-app/<name>} (Windows: under {@code
   * Files/}).
   */
  static LayerFile binary(
      Path target,
      MediaType mediaType,
      Path binary,
      String name,
      boolean windows,
      byte[] capabilities)
      throws IOException {
    return binary(target, mediaType, binary, name, windows, capabilities, Runnable::run, 1);
  }

  /** As above, with blocks compressed by {@code helpers} too (see {@link LayerFile#write}). */
  static LayerFile binary(
      Path target,
      MediaType mediaType,
      Path binary,
      String name,
      boolean windows,
      byte[] capabilities,
      Executor helpers,
      int parallelism)
      throws IOException {
    return binary(
        target,
        mediaType,
        binary,
        name,
        windows,
        capabilities,
        helpers,
        parallelism,
        LayerSink.NONE);
  }

  /** As above, the compressed bytes offered to {@code sink} too (see {@link LayerFile#write}). */
  static LayerFile binary(
      Path target,
      MediaType mediaType,
      Path binary,
      String name,
      boolean windows,
      byte[] capabilities,
      Executor helpers,
      int parallelism,
      LayerSink sink)
      throws IOException {
    return LayerFile.write(
        target,
        mediaType,
        tar -> {
          String file = APP_DIR + "/" + name;
          Map<String, byte[]> pax = Map.of();
          if (windows) {
            tar.directory("Hives", MODE, 0);
            tar.directory("Files", MODE, 0);
            tar.directory("Files/ko-app", MODE, 0);
            file = "Files" + file;
            pax = Map.of("MSWINDOWS.rawsd", WINDOWS_RAW_SD);
          } else {
            tar.directory("ko-app", MODE, 0);
            if (capabilities.length > 0) {
              pax = Map.of("SCHILY.xattr.security.capability", capabilities);
            }
          }
          try (InputStream in = Files.newInputStream(binary)) {
            tar.file(file, MODE, 0, Files.size(binary), in, pax);
          }
        },
        helpers,
        parallelism,
        sink);
  }

  /** The binary's name in the image: the import path's last element, or {@code ko-app}. */
  static String appName(String importPath) {
    String base = GoPath.base(importPath);
    return base.equals(".") || base.equals("/") ? "ko-app" : base;
  }
}
