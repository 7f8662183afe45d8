// Package config holds the node's configuration: one Config struct filled, in increasing order
// of precedence, from defaults, a JSON configuration file, ENTENTE_* environment variables and
// command-line flags.
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything a node is configured with. Field names match the design's contract.
type Config struct {
	Data             string        `json:"data"`               // data directory
	DB               string        `json:"db"`                 // sqlite:PATH or postgres://…
	Addr             string        `json:"addr"`               // listen address
	TLSCert          string        `json:"tls_cert"`           // certificate file
	TLSKey           string        `json:"tls_key"`            // key file
	InsecureHTTP     bool          `json:"insecure_http"`      // allow plain HTTP on a non-loopback address
	BaseURL          string        `json:"base_url"`           // public URL used in generated links
	OrgName          string        `json:"org_name"`           // own organisation's name on first start
	AdminToken       string        `json:"admin_token"`        // presets the first admin token
	DefaultTLP       string        `json:"default_tlp"`        // TLP of objects with no TLP marking
	LogLevel         string        `json:"log_level"`          // debug, info, warn, error
	LogFormat        string        `json:"log_format"`         // text or json
	MaxContentLength int64         `json:"max_content_length"` // largest TAXII request body, bytes
	OpenDataPageSize int           `json:"opendata_page_size"` // catalogue page size
	ShutdownTimeout  time.Duration `json:"shutdown_timeout"`   // grace period for in-flight requests
	MetricsToken     string        `json:"metrics_token"`      // bearer token /metrics requires; none: open
}

// Default returns the configuration used when nothing else is said.
func Default() Config {
	return Config{
		Data:             "./entente-data",
		Addr:             "127.0.0.1:8080",
		OrgName:          "Own organisation",
		DefaultTLP:       "amber+strict",
		LogLevel:         "info",
		LogFormat:        "text",
		MaxContentLength: 64 << 20,
		OpenDataPageSize: 100,
		ShutdownTimeout:  15 * time.Second,
	}
}

// option describes one setting: its flag, its environment variable and how to set it from text.
type option struct {
	flag   string
	env    string
	usage  string
	isBool bool
	set    func(c *Config, v string) error
}

func str(f func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

var options = []option{
	{"data", "ENTENTE_DATA", "data directory (SQLite database, keys, admin token)", false, str(func(c *Config) *string { return &c.Data })},
	{"db", "ENTENTE_DB", "database: sqlite:PATH or postgres://… (default sqlite:DATA/entente.db)", false, str(func(c *Config) *string { return &c.DB })},
	{"addr", "ENTENTE_ADDR", "listen address HOST:PORT", false, str(func(c *Config) *string { return &c.Addr })},
	{"tls-cert", "ENTENTE_TLS_CERT", "TLS certificate file (PEM)", false, str(func(c *Config) *string { return &c.TLSCert })},
	{"tls-key", "ENTENTE_TLS_KEY", "TLS private key file (PEM)", false, str(func(c *Config) *string { return &c.TLSKey })},
	{"insecure-http", "ENTENTE_INSECURE_HTTP", "allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy)", true, func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.InsecureHTTP = b
		return err
	}},
	{"base-url", "ENTENTE_BASE_URL", "public URL of this node, used in every generated link", false, str(func(c *Config) *string { return &c.BaseURL })},
	{"org-name", "ENTENTE_ORG_NAME", "own organisation's name, used on first start", false, str(func(c *Config) *string { return &c.OrgName })},
	{"admin-token", "ENTENTE_ADMIN_TOKEN", "preset the first admin token (first start only)", false, str(func(c *Config) *string { return &c.AdminToken })},
	{"default-tlp", "ENTENTE_DEFAULT_TLP", "TLP of objects without a TLP marking", false, str(func(c *Config) *string { return &c.DefaultTLP })},
	{"log-level", "ENTENTE_LOG_LEVEL", "log level: debug, info, warn, error", false, str(func(c *Config) *string { return &c.LogLevel })},
	{"log-format", "ENTENTE_LOG_FORMAT", "log format: text or json", false, str(func(c *Config) *string { return &c.LogFormat })},
	{"max-content-length", "ENTENTE_MAX_CONTENT_LENGTH", "largest accepted request body in bytes", false, func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		c.MaxContentLength = n
		return err
	}},
	{"opendata-page-size", "ENTENTE_OPENDATA_PAGE_SIZE", "datasets per open data catalogue page", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.OpenDataPageSize = n
		return err
	}},
	{"metrics-token", "ENTENTE_METRICS_TOKEN", "bearer token that /metrics requires (default none: /metrics is open to anyone who reaches the node, and its per-peer series name the partners)", false, str(func(c *Config) *string { return &c.MetricsToken })},
	{"shutdown-timeout", "ENTENTE_SHUTDOWN_TIMEOUT", "grace period for in-flight requests on shutdown", false, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.ShutdownTimeout = d
		return err
	}},
}

// Flags registers every setting on fs and returns a function that, after fs.Parse, loads the
// configuration: defaults, then the file named by --config or ENTENTE_CONFIG, then the environment,
// then the flags that were given.
func Flags(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	given := map[string]*string{}
	for _, o := range options {
		v := new(string)
		given[o.flag] = v
		if o.isBool {
			fs.Var(boolFlag{v}, o.flag, o.usage)
		} else {
			fs.StringVar(v, o.flag, "", o.usage+" (env "+o.env+")")
		}
	}
	file := fs.String("config", "", "configuration file (JSON; env ENTENTE_CONFIG)")
	return func() (Config, error) {
		c := Default()
		path := *file
		if path == "" {
			path = getenv("ENTENTE_CONFIG")
		}
		if path != "" {
			if err := c.loadFile(path); err != nil {
				return c, err
			}
		}
		for _, o := range options {
			if v := getenv(o.env); v != "" {
				if err := o.set(&c, v); err != nil {
					return c, fmt.Errorf("environment %s=%q: %w", o.env, v, cleanErr(err))
				}
			}
		}
		var err error
		fs.Visit(func(f *flag.Flag) {
			if v, ok := given[f.Name]; ok && err == nil {
				for _, o := range options {
					if o.flag == f.Name {
						if e := o.set(&c, *v); e != nil {
							err = fmt.Errorf("flag --%s=%q: %w", f.Name, *v, cleanErr(e))
						}
					}
				}
			}
		})
		if err != nil {
			return c, err
		}
		return c, c.Validate()
	}
}

type boolFlag struct{ v *string }

func (b boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}
func (b boolFlag) Set(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return errors.New("must be true or false")
	}
	*b.v = s
	return nil
}
func (b boolFlag) IsBoolFlag() bool { return true }

func cleanErr(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("configuration file: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("configuration file %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, o := range options {
		known[strings.ReplaceAll(o.flag, "-", "_")] = true
	}
	for k := range raw {
		if !known[k] {
			return fmt.Errorf("configuration file %s: unknown setting %q", path, k)
		}
	}
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			s = string(v) // numbers and booleans
		}
		for _, o := range options {
			if strings.ReplaceAll(o.flag, "-", "_") == k {
				if err := o.set(c, s); err != nil {
					return fmt.Errorf("configuration file %s: %s: %w", path, k, cleanErr(err))
				}
			}
		}
	}
	return nil
}

// Validate checks the combination of settings and fills derived defaults (the database URL).
func (c *Config) Validate() error {
	if c.Data == "" {
		return errors.New("the data directory must not be empty")
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.Data, "entente.db")
	}
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("database %q: use sqlite:PATH or postgres://…", c.DB)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if c.MaxContentLength <= 0 {
		return errors.New("max content length must be positive")
	}
	if c.OpenDataPageSize <= 0 || c.OpenDataPageSize > 10000 {
		return errors.New("open data page size must be between 1 and 10000")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q: use debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// CheckListen refuses plain HTTP on a non-loopback address unless InsecureHTTP is set.
func (c *Config) CheckListen() error {
	if c.TLSCert != "" || c.InsecureHTTP {
		return nil
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", c.Addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing plain HTTP on %s, which is not a loopback address: give --tls-cert and --tls-key, or --insecure-http behind a TLS-terminating proxy", c.Addr)
}

// SQLitePath returns the file of a sqlite: database URL, and false for other databases.
func (c *Config) SQLitePath() (string, bool) {
	p, ok := strings.CutPrefix(c.DB, "sqlite:")
	return p, ok
}
