package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/entente/entente/internal/config"
)

// flagSet is a command's flags together with the node configuration flags every command takes.
type flagSet struct {
	*flag.FlagSet
	load       func() (config.Config, error)
	positional []string // arguments that are not flags, in order
}

func newFlags(e *env, name, argsUsage string) *flagSet {
	fs := flag.NewFlagSet("entente "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &flagSet{FlagSet: fs}
	f.load = config.Flags(fs, e.getenv)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: entente %s [flags] %s\n\nFlags:\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return f
}

// parse parses args (flags may follow positional arguments) and loads the configuration.
func (f *flagSet) parse(args []string) (config.Config, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return config.Config{}, &exitError{code: 0}
			}
			return config.Config{}, &exitError{code: 2}
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
		if pos[len(pos)-1] == "--" {
			pos = append(pos[:len(pos)-1], args...)
			break
		}
	}
	f.positional = pos
	cfg, err := f.load()
	if err != nil {
		return cfg, &exitError{code: 2, msg: err.Error()}
	}
	return cfg, nil
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// usageError reports wrong arguments with exit status 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}
