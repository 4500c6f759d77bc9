// Reads a JSON list of tar entries on stdin and writes them with archive/tar to stdout, setting
// the header fields the way ko does (Typeflag, Mode, Name, Size, ModTime, PAXRecords and nothing
// else), so TarWriterGoCompatTest can compare our bytes with Go's.
package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

type entry struct {
	Name     string
	Typeflag string
	Mode     int64
	// ModTime in Unix seconds; 0 leaves the zero time.Time, as ko does when no time is set.
	ModTime int64
	Content []byte
	PAX     map[string][]byte
	// HeaderOnly: write just the header for a file of Size bytes, then stop (for sizes too large
	// to materialise).
	HeaderOnly bool
	Size       int64
}

func main() {
	var entries []entry
	if err := json.NewDecoder(os.Stdin).Decode(&entries); err != nil {
		fail(err)
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, e := range entries {
		hdr := &tar.Header{
			Name:     e.Name,
			Typeflag: e.Typeflag[0],
			Mode:     e.Mode,
			Size:     int64(len(e.Content)),
		}
		if e.Typeflag[0] == tar.TypeDir {
			hdr.Size = 0
		}
		if e.HeaderOnly {
			hdr.Size = e.Size
		}
		if e.ModTime != 0 {
			hdr.ModTime = time.Unix(e.ModTime, 0)
		}
		if e.PAX != nil {
			hdr.PAXRecords = map[string]string{}
			for k, v := range e.PAX {
				hdr.PAXRecords[k] = string(v)
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			fail(fmt.Errorf("%s: %w", e.Name, err))
		}
		if e.HeaderOnly {
			os.Stdout.Write(out.Bytes())
			return
		}
		if _, err := tw.Write(e.Content); err != nil {
			fail(err)
		}
	}
	if err := tw.Close(); err != nil {
		fail(err)
	}
	os.Stdout.Write(out.Bytes())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
