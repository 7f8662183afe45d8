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
	if n := countObjects([]byte(`{"objects":[{"type":"file","name":"c:\\","x":"\\\"{"},{"type":"note","content":"}}"}]}`)); n != 2 {
		t.Errorf("count with escaped backslashes and quotes: %d objects, want 2", n)
	}
	if more, next := envelopeHead([]byte(`{"more":false}`)); more || next != "" || countObjects([]byte(`{"more":false}`)) != 0 {
		t.Errorf("empty envelope: more %v next %q", more, next)
	}
}

func TestStoredOf(t *testing.T) {
	stored, dup, err := storedOf([]byte(`{"success_count":3,"successes":[{"id":"a"},{"id":"b","message":"duplicate: this version was already in the collection"},{"id":"c"}],"failure_count":0}`))
	if err != nil || stored != 2 || dup != 1 {
		t.Errorf("storedOf: %d stored, %d duplicates, %v; want 2, 1, nil", stored, dup, err)
	}
	if _, _, err := storedOf([]byte(`{"success_count":0,"failure_count":1,"failures":[{"id":"a","message":"bad"}]}`)); err == nil {
		t.Error("a failure was not reported")
	}
	if _, _, err := storedOf([]byte(`not json`)); err == nil {
		t.Error("a broken status resource was not reported")
	}
}
