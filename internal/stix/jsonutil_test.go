package stix

import (
	"bytes"
	"encoding/json"
)

func jsonCompact(b *bytes.Buffer, in []byte) error { return json.Compact(b, in) }
