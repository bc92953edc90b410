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
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
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
	var tried []string
	for _, root := range cacheRoots() {
		// returns only when it could not run from there
		err := runFrom(root)
		tried = append(tried, fmt.Sprintf("%s (%v)", root, err))
	}
	// nowhere to keep a copy: one for this run only
	code, err := runOnce(args)
	if err == nil {
		os.Exit(code)
	}
	tried = append(tried, fmt.Sprintf("a temporary directory (%v)", err))
	fmt.Fprintf(os.Stderr, "error: kubectl-kr could not start: no place to unpack and run it (%d MB): tried %s; set XDG_CACHE_HOME to a directory of your own on a filesystem that allows running programs\n",
		len(inner)>>20, strings.Join(tried, ", "))
	os.Exit(2)
}

var uid = os.Geteuid()

// Node's os.tmpdir(), which the inner Node executable uses for the same fallback (packaging/sea-main.cjs).
func tempDir() string {
	for _, name := range []string{"TMPDIR", "TMP", "TEMP"} {
		if dir := os.Getenv(name); dir != "" {
			return filepath.Clean(dir)
		}
	}
	return "/tmp"
}

// The same places, in the same order, as the inner Node executable keeps its modules (packaging/sea-main.cjs):
// $XDG_CACHE_HOME (only when absolute, as the XDG spec says), else ~/.cache, then the temporary directory.
func cacheRoots() []string {
	var roots []string
	base := os.Getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(base) {
		base = ""
		if home := os.Getenv("HOME"); filepath.IsAbs(home) {
			base = filepath.Join(home, ".cache")
		}
	}
	if base != "" {
		roots = append(roots, filepath.Join(base, "kubectl-kr"))
	}
	return append(roots, filepath.Join(tempDir(), "kubectl-kr-"+strconv.Itoa(uid)))
}

func ownerOf(st fs.FileInfo) int {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(sys.Uid)
	}
	return -1
}

// A directory nobody but root and us can change: ours or root's, and writable by others only when sticky (as /tmp,
// where others may add entries but not rename or remove ours).
func safeAncestor(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if owner := ownerOf(st); owner != 0 && owner != uid {
		return fmt.Errorf("%s belongs to another user", dir)
	}
	if st.Mode().Perm()&0o022 != 0 && st.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("%s is writable by others", dir)
	}
	return nil
}

// The directory with its symbolic links resolved, when it and every directory above it pass safeAncestor.
func safeChain(dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	for p := real; ; p = filepath.Dir(p) {
		if err := safeAncestor(p); err != nil {
			return "", err
		}
		if p == filepath.Dir(p) {
			return real, nil
		}
	}
}

// The cache directory, with its symbolic links resolved, when code in it can be trusted: it is ours and nobody
// else's to write, and so is every directory above it (root's or ours, others only when sticky), so no other user
// can swap a file or a directory under it between these checks and the exec — also when root runs the plugin with a
// user's HOME (sudo -E), whose home then does not qualify. Missing directories are made only below a trusted one.
func trustedDir(dir string) (string, error) {
	existing := filepath.Clean(dir)
	var missing []string
	for {
		_, err := os.Lstat(existing)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return "", err
		}
		missing = append([]string{filepath.Base(existing)}, missing...)
		existing = parent
	}
	real, err := safeChain(existing)
	if err != nil {
		return "", err
	}
	for _, name := range missing {
		real = filepath.Join(real, name)
		if err := os.Mkdir(real, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		if err := safeAncestor(real); err != nil {
			return "", err
		}
	}
	st, err := os.Lstat(real)
	if err != nil {
		return "", err
	}
	if ownerOf(st) != uid || st.Mode().Perm()&0o022 != 0 {
		return "", errors.New("not a directory of this user that only it can write")
	}
	return real, nil
}

func exeName(id string) string { return "kubectl-kr-" + id }

// A complete copy: written whole before it was renamed into place, so a wrong size means someone else's file.
func intact(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode().IsRegular() && ownerOf(st) == uid && st.Mode().Perm()&0o022 == 0 &&
		st.Mode().Perm()&0o100 != 0 && st.Size() == int64(len(inner))
}

// Writes the copy if it is not there whole, and execs it: returns only when it could not.
func runFrom(root string) error {
	dir, err := trustedDir(root)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, exeName(buildID))
	for attempt := 0; ; attempt++ {
		if !intact(path) {
			if err := writeExe(dir, path, ""); err != nil {
				return err
			}
			prune(dir)
		}
		err := syscall.Exec(path, os.Args, os.Environ())
		// gone between the check and the exec (another build pruned it): write it once more
		if errors.Is(err, syscall.ENOENT) && attempt == 0 {
			continue
		}
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("%v: is it on a filesystem mounted noexec?", err)
		}
		return err
	}
}

// Written to a temporary file, synced and renamed: racing first runs each rename a whole copy, and an interrupted
// one removes its temporary file, or all of removeOnInterrupt (prune removes what a killed run left).
func writeExe(dir, path, removeOnInterrupt string) error {
	f, err := os.CreateTemp(dir, exeName(buildID)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if removeOnInterrupt == "" {
		removeOnInterrupt = tmp
	}
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-interrupted:
			os.RemoveAll(removeOnInterrupt)
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()
	defer func() {
		signal.Stop(interrupted)
		close(done)
	}()
	err = f.Chmod(0o700)
	if err == nil {
		_, err = io.WriteString(f, inner)
	}
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

var (
	otherExe   = regexp.MustCompile(`^kubectl-kr-[0-9a-f]{16}$`)
	leftBehind = regexp.MustCompile(`^kubectl-kr-[0-9a-f]{16}\.tmp-[0-9]+$`)
)

// After an upgrade, the copies of builds not written for a day go (a process still running one keeps its open copy,
// a later start of that build writes it again; two builds used in turn do not remove each other's), and so do
// temporary files a killed first run left. The Node executable's module directories (a few MB each) stay: a running
// process of that build may still import from its own.
func prune(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	now := time.Now()
	for _, e := range entries {
		name := e.Name()
		st, err := e.Info()
		if err != nil || name == exeName(buildID) {
			continue
		}
		age := now.Sub(st.ModTime())
		if otherExe.MatchString(name) && age > 24*time.Hour || leftBehind.MatchString(name) && age > 10*time.Minute {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// Without a cache the copy must go when the command ends, so it runs as a child instead of in this process's place;
// its exit status becomes ours. TERM and HUP are passed on; INT and QUIT too unless there is a controlling terminal,
// which sends them to the child itself (as system(3) does, so one Ctrl-C is not seen twice).
func runOnce(args []string) (int, error) {
	parent, err := safeChain(tempDir())
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp(parent, "kubectl-kr-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "kubectl-kr")
	if err := writeExe(dir, path, dir); err != nil {
		return 0, err
	}
	cmd := exec.Command(path, args...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	fromTerminal := false
	if tty, err := os.Open("/dev/tty"); err == nil {
		tty.Close()
		fromTerminal = true
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			err = fmt.Errorf("%v: is it on a filesystem mounted noexec?", err)
		}
		return 0, err
	}
	go func() {
		for s := range signals {
			if fromTerminal && (s == syscall.SIGINT || s == syscall.SIGQUIT) {
				continue
			}
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: kubectl-kr: %v\n", err)
		return 2, nil
	}
	return 0, nil
}
