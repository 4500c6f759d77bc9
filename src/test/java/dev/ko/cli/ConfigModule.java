package dev.ko.cli;

import dev.ko.testing.GitRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Go module for the configuration tests ({@code example.com/cfgapp}, standard library only):
 * {@code cmd/app} prints its {@code main.version}, a kodata file and its own capabilities (capget),
 * {@code cmd/other} prints its version.
 */
final class ConfigModule {
  static final String APP = "example.com/cfgapp/cmd/app";
  static final String OTHER = "example.com/cfgapp/cmd/other";

  private static final String APP_MAIN =
      """
      package main

      import (
      	"fmt"
      	"os"
      	"path/filepath"
      	"syscall"
      	"unsafe"
      )

      var version = "unset"

      func main() {
      	fmt.Println("version:", version)
      	b, err := os.ReadFile(filepath.Join(os.Getenv("KO_DATA_PATH"), "hello.txt"))
      	if err != nil {
      		fmt.Println("kodata:", err)
      		os.Exit(1)
      	}
      	fmt.Printf("kodata: %s", b)
      	// capget(2), _LINUX_CAPABILITY_VERSION_3: each set in two 32-bit halves.
      	hdr := struct {
      		version uint32
      		pid     int32
      	}{version: 0x20080522}
      	var data [2]struct{ effective, permitted, inheritable uint32 }
      	if _, _, errno := syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); errno != 0 {
      		fmt.Println("capget:", errno)
      		os.Exit(1)
      	}
      	fmt.Printf("uid %d permitted %#x effective %#x\\n", os.Getuid(),
      		uint64(data[1].permitted)<<32|uint64(data[0].permitted),
      		uint64(data[1].effective)<<32|uint64(data[0].effective))
      }
      """;

  private static final String OTHER_MAIN =
      """
      package main

      import "fmt"

      var version = "unset"

      func main() { fmt.Println("version:", version) }
      """;

  private ConfigModule() {}

  /** Writes the module and its {@code .ko.yaml}; commits it all when {@code git} is true. */
  static Path create(Path dir, String koYaml, boolean git) throws IOException {
    write(dir, "go.mod", "module example.com/cfgapp\n\ngo 1.19\n");
    write(dir, "cmd/app/main.go", APP_MAIN);
    write(dir, "cmd/app/kodata/hello.txt", "Hello from kodata\n");
    write(dir, "cmd/other/main.go", OTHER_MAIN);
    write(dir, ".ko.yaml", koYaml);
    if (git) {
      GitRepo.init(dir);
      GitRepo.commitAll(dir, "cfgapp");
    }
    return dir;
  }

  static void write(Path dir, String path, String content) throws IOException {
    Path p = dir.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }
}
