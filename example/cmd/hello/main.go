// Command hello is the example app that ko-jvm builds in the quick start: it greets, says where
// it runs, and prints a file from its kodata directory, found through $KO_DATA_PATH.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

func main() {
	fmt.Printf("Hello from ko-jvm! (%s/%s, uid %d)\n", runtime.GOOS, runtime.GOARCH, os.Getuid())
	dir := os.Getenv("KO_DATA_PATH")
	for _, name := range []string{"greeting.txt", "sub/nested.txt", "link.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fmt.Fprintln(os.Stderr, "reading kodata:", err)
			os.Exit(1)
		}
		fmt.Printf("kodata/%s: %s", name, b)
	}
}
