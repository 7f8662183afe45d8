package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := Flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return l()
}

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"addr":"127.0.0.1:1","org_name":"From file","max_content_length":1000,"data":"/file"}`), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(c Config) string
		exp  string
	}{
		{"default", nil, nil, func(c Config) string { return c.Addr }, "127.0.0.1:8080"},
		{"file", []string{"--config", file}, nil, func(c Config) string { return c.Addr }, "127.0.0.1:1"},
		{"env over file", []string{"--config", file}, map[string]string{"ENTENTE_ADDR": "127.0.0.1:2"}, func(c Config) string { return c.Addr }, "127.0.0.1:2"},
		{"flag over env", []string{"--config", file, "--addr", "127.0.0.1:3"}, map[string]string{"ENTENTE_ADDR": "127.0.0.1:2"}, func(c Config) string { return c.Addr }, "127.0.0.1:3"},
		{"config from env", nil, map[string]string{"ENTENTE_CONFIG": file}, func(c Config) string { return c.OrgName }, "From file"},
		{"db derived from data", []string{"--data", "/d"}, nil, func(c Config) string { return c.DB }, "sqlite:/d/entente.db"},
		{"db from file's data", []string{"--config", file}, nil, func(c Config) string { return c.DB }, "sqlite:/file/entente.db"},
		{"bool flag", []string{"--insecure-http"}, nil, func(c Config) string {
			if c.InsecureHTTP {
				return "yes"
			}
			return "no"
		}, "yes"},
	}
	for _, tt := range tests {
		c, err := load(t, tt.args, tt.env)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := tt.want(c); got != tt.exp {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.exp)
		}
	}
}

func TestBadSettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"adress":"x"}`), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown file key", []string{"--config", file}, nil, `unknown setting "adress"`},
		{"bad number env", nil, map[string]string{"ENTENTE_MAX_CONTENT_LENGTH": "lots"}, "ENTENTE_MAX_CONTENT_LENGTH"},
		{"bad db", []string{"--db", "mysql://x"}, nil, "use sqlite:PATH or postgres://"},
		{"tls half", []string{"--tls-cert", "a.pem"}, nil, "go together"},
		{"missing file", []string{"--config", "/nonexistent.json"}, nil, "configuration file"},
	}
	for _, tt := range tests {
		_, err := load(t, tt.args, tt.env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr     string
		insecure bool
		ok       bool
	}{
		{"127.0.0.1:8080", false, true},
		{"localhost:8080", false, true},
		{"[::1]:8080", false, true},
		{"0.0.0.0:8080", false, false},
		{"0.0.0.0:8080", true, true},
		{"192.0.2.1:443", false, false},
	}
	for _, tt := range tests {
		c := Default()
		c.Addr, c.InsecureHTTP = tt.addr, tt.insecure
		if err := c.CheckListen(); (err == nil) != tt.ok {
			t.Errorf("%s insecure=%v: got %v, want ok=%v", tt.addr, tt.insecure, err, tt.ok)
		}
	}
}
