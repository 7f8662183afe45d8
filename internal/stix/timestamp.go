package stix

import (
	"fmt"
	"time"
)

// Timestamp is a STIX timestamp: an RFC 3339 date-time in UTC with a "Z" suffix and optional
// fractional seconds. The original text is kept so that objects are served exactly as received.
type Timestamp struct {
	Time time.Time
	Text string
}

// MicroFormat is the layout TAXII 2.1 uses for date_added and the X-TAXII-Date-Added headers:
// microsecond precision, UTC.
const MicroFormat = "2006-01-02T15:04:05.000000Z"

// ParseTimestamp parses s strictly: YYYY-MM-DDTHH:MM:SS[.fraction]Z with a real calendar date.
func ParseTimestamp(s string) (Timestamp, error) {
	if !timestampShape(s) {
		return Timestamp{}, fmt.Errorf("%q is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z)", clip(s))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Timestamp{}, fmt.Errorf("%q is not a valid date and time: %v", clip(s), trimTimeErr(err))
	}
	return Timestamp{Time: t.UTC(), Text: s}, nil
}

// Micro returns the timestamp as microseconds since the Unix epoch; it is the version key used
// to order versions. Versions differing only below a microsecond count as the same version.
func (t Timestamp) Micro() int64 { return t.Time.UnixMicro() }

// IsZero reports whether the timestamp is absent.
func (t Timestamp) IsZero() bool { return t.Text == "" && t.Time.IsZero() }

// FormatMicro formats microseconds since the epoch the way TAXII 2.1 wants timestamps.
func FormatMicro(us int64) string { return time.UnixMicro(us).UTC().Format(MicroFormat) }

// ParseMicro parses a STIX/TAXII timestamp into microseconds since the epoch.
func ParseMicro(s string) (int64, error) {
	t, err := ParseTimestamp(s)
	if err != nil {
		return 0, err
	}
	return t.Micro(), nil
}

func timestampShape(s string) bool {
	// 2006-01-02T15:04:05Z is the shortest; fractions may have any number of digits.
	if len(s) < 20 || len(s) > 64 {
		return false
	}
	for i, want := range "dddd-dd-ddTdd:dd:dd" {
		c := s[i]
		if want == 'd' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != byte(want) {
			return false
		}
	}
	rest := s[19:]
	if rest[0] == '.' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 1 {
			return false
		}
		rest = rest[j:]
	}
	return rest == "Z"
}

func trimTimeErr(err error) string {
	if pe, ok := err.(*time.ParseError); ok && len(pe.Message) > 2 {
		return pe.Message[2:] // ": day out of range" → "day out of range"
	}
	return "out of range"
}
