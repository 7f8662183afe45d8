package api

import (
	"fmt"
	"strings"
	"testing"
)

func TestPeersAPI(t *testing.T) {
	f := newAPI(t)
	st, body := f.do("POST", "/api/v1/collections", "admin", `{"title":"Exchange","alias":"exchange"}`)
	if st != 201 {
		t.Fatalf("create collection: got %d %v", st, body)
	}
	st, key := f.do("GET", "/api/v1/key", "partner", "")
	if st != 200 || len(fmt.Sprint(key["public_key"])) != 44 || key["algorithm"] != "ed25519" {
		t.Fatalf("GET key: got %d %v, want 200 and a base64 Ed25519 key", st, key)
	}
	const good = `{"name":"p1","org":"Partner","url":"https://p.example/taxii2/root/","token":"s3cret","pull":["a"],"push":"b","collection":"exchange"}`
	tests := []struct {
		who, body string
		want      int
	}{
		{"reader", good, 403},
		{"admin", `{"name":"p1"}`, 400},
		{"admin", strings.Replace(good, `"https://p.example/taxii2/root/"`, `"ftp://x"`, 1), 400},
		{"admin", strings.Replace(good, `"org":"Partner"`, `"org":"Nobody"`, 1), 404},
		{"admin", strings.Replace(good, `"token":"s3cret"`, `"token":"s3cret","require_signatures":true`, 1), 400},
		{"admin", good, 201},
		{"admin", good, 409},
	}
	for i, tt := range tests {
		if st, body := f.do("POST", "/api/v1/peers", tt.who, tt.body); st != tt.want {
			t.Errorf("POST peers %d: got %d %v, want %d", i, st, body, tt.want)
		}
	}
	st, list := f.do("GET", "/api/v1/peers", "admin", "")
	peers, _ := list["peers"].([]any)
	if st != 200 || len(peers) != 1 {
		t.Fatalf("GET peers: got %d %v, want one peer", st, list)
	}
	if p := peers[0].(map[string]any); p["name"] != "p1" || p["token"] != nil {
		t.Errorf("GET peers: got %v, want p1 without its token", p)
	}
	st, status := f.do("GET", "/api/v1/peers/status", "admin", "")
	if sp, _ := status["peers"].([]any); st != 200 || len(sp) != 1 || sp[0].(map[string]any)["objects_in"] != 0.0 {
		t.Errorf("GET peers/status: got %d %v, want one peer with nothing moved", st, status)
	}
	if st, _ := f.do("DELETE", "/api/v1/peers/p1", "reader", ""); st != 403 {
		t.Errorf("DELETE as reader: got %d, want 403", st)
	}
	if st, _ := f.do("DELETE", "/api/v1/peers/p1", "admin", ""); st != 204 {
		t.Errorf("DELETE: got %d, want 204", st)
	}
	if st, _ := f.do("DELETE", "/api/v1/peers/p1", "admin", ""); st != 404 {
		t.Errorf("DELETE again: got %d, want 404", st)
	}
}
