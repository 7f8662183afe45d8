package ingest

import "bytes"

// peekID finds the value of a top-level-looking "id" property in raw JSON that failed to
// validate, so that a rejection can name the object. It is a best effort on malformed input.
func peekID(raw []byte) string {
	i := bytes.Index(raw, []byte(`"id"`))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(raw[i+4:], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 || end > 300 {
		return ""
	}
	return string(rest[1 : 1+end])
}
