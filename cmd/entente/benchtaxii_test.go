package main

import "testing"

func TestEnvelopeHeadAndCount(t *testing.T) {
	b := []byte(`{"more":true,"next":"abc","objects":[{"type":"note","content":"a } and a { in a \"string\"","external_references":[{"source_name":"x"},{"source_name":"y"}]},{"type":"indicator"}]}`)
	more, next := envelopeHead(b)
	if !more || next != "abc" {
		t.Errorf("head: more %v next %q", more, next)
	}
	if n := countObjects(b); n != 2 {
		t.Errorf("count: %d objects, want 2", n)
	}
	if more, next := envelopeHead([]byte(`{"more":false}`)); more || next != "" || countObjects([]byte(`{"more":false}`)) != 0 {
		t.Errorf("empty envelope: more %v next %q", more, next)
	}
}
