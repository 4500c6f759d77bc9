// Command runimg runs one program inside an unpacked image root file system,
// the way a container runtime would start an image's entrypoint, but without
// namespaces or cgroups: the test bed only needs to see that the binary, its
// environment, working directory and user are what the image config says.
//
// coreutils chroot cannot be used for this because it always changes to "/"
// and has no way to set the working directory before exec.
//
// Usage:
//
//	runimg -rootfs DIR [-user UID[:GID]] [-workdir DIR] [-env K=V]... -- CMD [ARG]...
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// envList collects repeated -env flags in order.
type envList []string

func (e *envList) String() string { return strings.Join(*e, ",") }

func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want K=V, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "runimg: %v\n", err)
		// 127 mirrors what shells and runtimes use for "could not start".
		os.Exit(127)
	}
}

func run() error {
	var (
		rootfs  = flag.String("rootfs", "", "unpacked image root file system (required)")
		user    = flag.String("user", "0:0", "numeric UID[:GID] to run as")
		workdir = flag.String("workdir", "/", "working directory inside the rootfs")
		env     envList
	)
	flag.Var(&env, "env", "K=V environment entry for the program (repeatable)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: runimg -rootfs DIR [-user UID[:GID]] [-workdir DIR] [-env K=V]... -- CMD [ARG]...")
		flag.PrintDefaults()
	}
	flag.Parse()
	argv := flag.Args()
	if *rootfs == "" || len(argv) == 0 {
		flag.Usage()
		return errors.New("need -rootfs and a command")
	}

	// The passwd lookup for a missing GID must read the image's /etc/passwd,
	// so resolve the user before leaving the host file system.
	uid, gid, err := parseUser(*rootfs, *user)
	if err != nil {
		return err
	}

	if err := syscall.Chroot(*rootfs); err != nil {
		return fmt.Errorf("chroot %s: %w", *rootfs, err)
	}
	wd := *workdir
	if wd == "" {
		wd = "/"
	}
	if !path.IsAbs(wd) {
		return fmt.Errorf("workdir must be absolute, got %q", wd)
	}
	// Container runtimes create a missing working directory; do the same so
	// an image with an unusual WorkingDir still starts.
	if _, err := os.Stat(wd); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(wd, 0o755); err != nil {
			return fmt.Errorf("create workdir %s: %w", wd, err)
		}
	}
	if err := syscall.Chdir(wd); err != nil {
		return fmt.Errorf("chdir %s: %w", wd, err)
	}

	prog, err := lookPath(argv[0], env)
	if err != nil {
		return err
	}

	// Drop supplementary groups first: after setuid we could no longer do it.
	// Since Go 1.16 these calls apply to every thread of the process.
	if err := syscall.Setgroups([]int{}); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid %d: %w", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid %d: %w", uid, err)
	}

	// The program gets exactly the image's environment, nothing of ours.
	if err := syscall.Exec(prog, argv, []string(env)); err != nil {
		return fmt.Errorf("exec %s: %w", prog, err)
	}
	return nil
}

// parseUser turns "UID" or "UID:GID" into numbers. Without a GID, like Docker,
// it takes the primary group from the image's /etc/passwd, else 0.
func parseUser(rootfs, spec string) (int, int, error) {
	uidStr, gidStr, hasGID := strings.Cut(spec, ":")
	uid, err := strconv.Atoi(uidStr)
	if err != nil || uid < 0 {
		return 0, 0, fmt.Errorf("user must be numeric UID[:GID], got %q", spec)
	}
	if hasGID {
		gid, err := strconv.Atoi(gidStr)
		if err != nil || gid < 0 {
			return 0, 0, fmt.Errorf("user must be numeric UID[:GID], got %q", spec)
		}
		return uid, gid, nil
	}
	return uid, primaryGID(path.Join(rootfs, "etc/passwd"), uid), nil
}

func primaryGID(passwd string, uid int) int {
	f, err := os.Open(passwd)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// name:password:uid:gid:gecos:home:shell
		fields := strings.Split(s.Text(), ":")
		if len(fields) < 4 || fields[2] != strconv.Itoa(uid) {
			continue
		}
		if gid, err := strconv.Atoi(fields[3]); err == nil {
			return gid
		}
	}
	return 0
}

// lookPath resolves the command inside the rootfs (we are already chrooted):
// an absolute path is used as is; a bare name is searched in the PATH of the
// image's environment, never the host's.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("command %s: %w", name, err)
		}
		return name, nil
	}
	pathVar := ""
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			pathVar = kv[len("PATH="):]
		}
	}
	for _, dir := range strings.Split(pathVar, ":") {
		if dir == "" || !path.IsAbs(dir) {
			continue
		}
		p := path.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q not found in image PATH %q", name, pathVar)
}
