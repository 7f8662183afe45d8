package main

import (
	"strings"
	"testing"
)

func TestUserAdd(t *testing.T) {
	data := dataFlags(t)
	add := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		return entente(t, stdin, append(append([]string{"user", "add"}, args...), data...)...)
	}
	out, errOut, code := add("a long enough password\n", "--name", "ann", "--org", "self", "--role", "analyst", "--password-stdin")
	if code != 0 || !strings.Contains(out, "user ann") {
		t.Fatalf("user add: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"same name", "another long password\n", []string{"--name", "ann", "--org", "self", "--role", "reader", "--password-stdin"}, "conflict"},
		{"short password", "short\n", []string{"--name", "bob", "--org", "self", "--role", "reader", "--password-stdin"}, "at least 12"},
		{"bad role", "a long enough password\n", []string{"--name", "bob", "--org", "self", "--role", "partner", "--password-stdin"}, "--role"},
		{"unknown org", "a long enough password\n", []string{"--name", "bob", "--org", "nobody", "--role", "reader", "--password-stdin"}, "no organisation"},
		{"no name", "a long enough password\n", []string{"--org", "self", "--role", "reader", "--password-stdin"}, "--name"},
		{"no password", "", []string{"--name", "bob", "--org", "self", "--role", "reader", "--password-stdin"}, "no password"},
		{"not a terminal", "", []string{"--name", "bob", "--org", "self", "--role", "reader"}, "--password-stdin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := add(tc.stdin, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("got exit %d, stderr %q; want failure mentioning %q", code, errOut, tc.want)
			}
		})
	}
}
