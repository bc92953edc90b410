// The file users install as kubectl-kr. It answers `kubectl kr version --client` itself and hands every other
// command to the CLI's own executable (the Node single executable on Linux, Bun's on macOS), which it carries
// embedded and writes once per build into a private cache directory, then execs in its place.
//
// Why a Go launcher at all: kubectl's start is most of `kubectl kr version --client`, and any Node executable
// takes another 0.65× of kubectl's time just to start (docs/release.md, bench/RESULTS.md "start-up"); Go starts
// in a few milliseconds, so the plugin's answer costs about what kubectl's own does.
//
// release.ts builds it per target with payload/ holding the inner executable, its build id and the version line
// versionLine() wrote at build time.
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// A string, not []byte, keeps the inner executable in read-only data: it is paged in only when written out.
//
//go:embed payload/kubectl-kr
var inner string

//go:embed payload/build-id
var buildID string

//go:embed payload/version-line
var versionLine string

func main() {
	args := os.Args[1:]
	// as the npm package's bin/run.js: plain `version` asks the cluster too, so only --client is answered here
	if len(args) == 2 && args[0] == "version" && args[1] == "--client" {
		os.Stdout.WriteString(versionLine)
		return
	}
	exe, temp, err := unpacked()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: kubectl-kr could not start: %v\n", err)
		os.Exit(2)
	}
	if temp == "" {
		err = syscall.Exec(exe, os.Args, os.Environ())
		fmt.Fprintf(os.Stderr, "error: kubectl-kr could not start %s: %v\n", exe, err)
		os.Exit(2)
	}
	os.Exit(runOnce(exe, temp, args))
}

var uid = os.Geteuid()

// A directory we may trust code in: ours and writable by nobody else, so root (sudo keeping the user's HOME)
// never runs a file the user could have replaced.
func ownedPrivateDir(dir string) bool {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false
	}
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() || st.Mode().Perm()&0o022 != 0 {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == uid
}

// The same places, in the same order, as the inner Node executable keeps its modules (packaging/sea-main.cjs).
func cacheRoots() []string {
	var roots []string
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		if home, err := os.UserHomeDir(); err == nil && home != "" {
			base = filepath.Join(home, ".cache")
		}
	}
	if filepath.IsAbs(base) {
		roots = append(roots, filepath.Join(base, "kubectl-kr"))
	}
	return append(roots, filepath.Join(os.TempDir(), "kubectl-kr-"+strconv.Itoa(uid)))
}

func exeName(id string) string { return "kubectl-kr-" + id }

// A complete copy: written whole before it was renamed into place, so a wrong size means someone else's file.
func intact(path string) bool {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o022 != 0 || st.Size() != int64(len(inner)) {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == uid
}

func unpacked() (exe string, temp string, err error) {
	var tried []string
	for _, root := range cacheRoots() {
		if !ownedPrivateDir(root) {
			tried = append(tried, root+" (not a directory of this user that only it can write)")
			continue
		}
		path := filepath.Join(root, exeName(buildID))
		if intact(path) {
			return path, "", nil
		}
		if err := writeExe(path); err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", root, err))
			continue
		}
		prune(root)
		return path, "", nil
	}
	// nowhere to keep it: a fresh private directory for this run only
	dir, err := os.MkdirTemp("", "kubectl-kr-")
	if err == nil {
		path := filepath.Join(dir, "kubectl-kr")
		if err = writeExe(path); err == nil {
			return path, dir, nil
		}
		os.RemoveAll(dir)
	}
	tried = append(tried, fmt.Sprintf("a temporary directory (%v)", err))
	return "", "", fmt.Errorf("no place to unpack it (%d MB): tried %s; set XDG_CACHE_HOME to a directory of your own", len(inner)>>20, strings.Join(tried, ", "))
}

// Written to a temporary name, synced and renamed: a run that dies midway leaves no half file under the real name,
// and two first runs racing each rename a whole copy.
func writeExe(path string) error {
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, inner)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

var otherExe = regexp.MustCompile(`^kubectl-kr-[0-9a-f]{16}$`)

// After an upgrade the previous builds' executables go: a process still running one keeps its open copy, and a later
// start of that build writes it again. Their module directories (a few MB each) stay: a running process of that
// build may still import from its directory.
func prune(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if name := e.Name(); name != exeName(buildID) && otherExe.MatchString(name) {
			os.Remove(filepath.Join(root, name))
		}
	}
}

// Without a cache the copy must go when the command ends, so it runs as a child instead of in this process's place;
// signals are passed on and its exit status becomes ours.
func runOnce(exe, temp string, args []string) int {
	defer os.RemoveAll(temp)
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "error: kubectl-kr could not start %s: %v\n", exe, err)
		return 2
	}
	go func() {
		for s := range signals {
			cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: kubectl-kr: %v\n", err)
		return 2
	}
	return 0
}
