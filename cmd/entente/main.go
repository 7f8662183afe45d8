// Command entente runs an Entente node and its command-line tools. See README.md and
// `entente help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if path := os.Getenv("ENTENTE_CPUPROFILE"); path != "" {
		// For measuring: a CPU profile of the whole command (go tool pprof).
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitError carries an exit status; its message, when not empty, is printed.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "entente:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "entente:", err)
	return 1
}

// env gives commands what they need from their surroundings, so that tests can run them in
// process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the node (HTTP, workers)", cmdServe},
		{"import", "import STIX bundles or objects (FILE… or - for stdin)", cmdImport},
		{"export", "write a STIX bundle to standard output", cmdExport},
		{"gen", "write a realistic synthetic STIX bundle", cmdGen},
		{"org", "manage organisations: add, list", cmdOrg},
		{"token", "manage API tokens: create, list, revoke", cmdToken},
		{"user", "people who sign in to the web interface: add", cmdUser},
		{"collection", "manage collections: create, list", cmdCollection},
		{"agreement", "sharing agreements with partners: set, list, remove", cmdAgreement},
		{"share", "name the recipients of an object's RED content", cmdShare},
		{"explain", "who receives an object, in what form, and why", cmdExplain},
		{"audit", "the tamper-evident audit log: verify, export", cmdAudit},
		{"taxii", "TAXII 2.1 client: discover, collections, pull, push", cmdTAXII},
		{"pattern", "STIX patterns: check PATTERN, match PATTERN FILE", cmdPattern},
		{"match", "find indicator values in logs (text, JSON lines, Zeek, web server)", cmdMatch},
		{"blocklist", "write a blocklist for firewalls, DNS, IDS (text, rpz, hosts, suricata, zeek, nftables)", cmdBlocklist},
		{"peer", "partner nodes to exchange with: add, list, remove, status", cmdPeer},
		{"key", "the node's Ed25519 signing key: show", cmdKey},
		{"opendata", "open data metadata (publisher, licence, datasets): show, set FILE", cmdOpendata},
		{"bench", "measure import, lookup and export speed on a scratch store", cmdBench},
		{"version", "print version, commit and Go version", cmdVersion},
	}
}

// run is the whole program: it parses args and runs one subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return &exitError{code: 2, msg: fmt.Sprintf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Entente: cross-border threat intelligence and open data exchange.")
	fmt.Fprintln(w, "\nUsage: entente COMMAND [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'entente COMMAND -h' for a command's flags.")
}
