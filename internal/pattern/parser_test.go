package pattern

import (
	"errors"
	"strings"
	"testing"
)

func TestParseString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"[file:size = 5]", "[file:size = 5]"},
		{"[file:hashes.'SHA-256' = 'ab']", "[file:hashes.'SHA-256' = 'ab']"},
		{"[a:b == 1 AND a:c <> 2]", "[a:b = 1 AND a:c != 2]"},
		{"[a:b = 1 OR a:c = 2 AND a:d = 3]", "[a:b = 1 OR a:c = 2 AND a:d = 3]"},
		{"[(a:b = 1 OR a:c = 2) AND a:d = 3]", "[(a:b = 1 OR a:c = 2) AND a:d = 3]"},
		{"[a:b = 1 AND (a:c = 2 AND a:d = 3)]", "[a:b = 1 AND a:c = 2 AND a:d = 3]"},
		{"[a:b NOT IN ('x', 'y\\'z')]", "[a:b NOT IN ('x', 'y\\'z')]"},
		{"[a:b IN ()]", "[a:b IN ()]"},
		{"[a:list[0].x_refs[*].name LIKE 'a%']", "[a:list[0].x_refs[*].name LIKE 'a%']"},
		{"[a:'has space'.'and-hyphen' = h'01ff']", "[a:'has space'.'and-hyphen' = h'01ff']"},
		{"[a:b = b'AQID'] WITHIN .5 SECONDS", "[a:b = b'AQID'] WITHIN .5 SECONDS"},
		{"[a:b = true] REPEATS 2 TIMES WITHIN 3 SECONDS", "[a:b = true] REPEATS 2 TIMES WITHIN 3 SECONDS"},
		{"[a:b > -1.5] START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00.5Z'", "[a:b > -1.5] START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00.5Z'"},
		{"[a:b = 1] AND [a:c = 2] OR [a:d = 3]", "[a:b = 1] AND [a:c = 2] OR [a:d = 3]"},
		{"[a:b = 1] AND ([a:c = 2] OR [a:d = 3])", "[a:b = 1] AND ([a:c = 2] OR [a:d = 3])"},
		{"([a:b = 1] FOLLOWEDBY [a:c = 2]) FOLLOWEDBY [a:d = 3]", "[a:b = 1] FOLLOWEDBY [a:c = 2] FOLLOWEDBY [a:d = 3]"},
		{"[a:b = 1] FOLLOWEDBY ([a:c = 2] FOLLOWEDBY [a:d = 3])", "[a:b = 1] FOLLOWEDBY ([a:c = 2] FOLLOWEDBY [a:d = 3])"},
		{"([a:b = 1] AND [a:c = 2]) WITHIN 5 SECONDS", "([a:b = 1] AND [a:c = 2]) WITHIN 5 SECONDS"},
		{"([a:b = 1]) WITHIN 5 SECONDS", "([a:b = 1]) WITHIN 5 SECONDS"},
		{"(([a:b = 1]))", "[a:b = 1]"},
		{"[a:b MATCHES '^x\\\\d+$'] // comment", "[a:b MATCHES '^x\\\\d+$']"},
		{"/* lead */ [a:b = 1]\n", "[a:b = 1]"},
		{"[a:b = 'multi\nline']", "[a:b = 'multi\nline']"},
		{"[a:b = +5]", "[a:b = +5]"},
		{"[x_a:b = 1]\u3000", "[x_a:b = 1]"},
		{"[a:b ISSUBSET '10.0.0.0/8' AND EXISTS a:c]", "[a:b ISSUBSET '10.0.0.0/8' AND EXISTS a:c]"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := p.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in      string
		version Version
		kind    ErrorKind
		col     int
		msg     string
	}{
		{"file:size = 1280", V21, KindSyntax, 1, "expected '[' or '('"},
		{"[file:size = ]", V21, KindSyntax, 14, "expected a literal"},
		{"[file:hashes.MD5 = cead3f]", V21, KindSyntax, 20, "identifier"},
		{"[file.size = 1280]", V21, KindSyntax, 6, "expected ':'"},
		{"[a:b = 'abc]", V21, KindSyntax, 8, "unterminated string"},
		{"[a:b = 'a\\d']", V21, KindSyntax, 10, "invalid escape"},
		{"[a:b = t'2020-13-01T00:00:00Z']", V21, KindSyntax, 8, "malformed timestamp"},
		{"[a:b = t'2020-02-30T00:00:00Z']", V21, KindInvalid, 8, "not a valid date"},
		{"[a:b = h'abc']", V21, KindSyntax, 8, "even number"},
		{"[a:b = b'====']", V21, KindSyntax, 8, "base64"},
		{"[a:b = 05]", V21, KindSyntax, 8, "leading zero"},
		{"[a:b = 99999999999999999999]", V21, KindInvalid, 8, "out of range"},
		{"[a:needs-quotes = 1]", V21, KindSyntax, 4, "quote it"},
		{"[a:b = null]", V21, KindSyntax, 8, "identifier \"null\""},
		{"[a:b > true]", V21, KindSyntax, 8, "expected a number"},
		{"[a:b = 1] WITHIN 0 SECONDS", V21, KindInvalid, 18, "above zero"},
		{"[a:b = 1] WITHIN -5 SECONDS", V21, KindSyntax, 18, "positive number"},
		{"[a:b = 1] WITHIN 5 HOURS", V21, KindSyntax, 20, "expected SECONDS"},
		{"[a:b = 1] REPEATS 0 TIMES", V21, KindInvalid, 19, "at least 1"},
		{"[a:b = 1] within 2 seconds", V21, KindSyntax, 11, "found identifier \"within\""},
		{"[a:b IN (1, 'x')]", V21, KindInvalid, 9, "mixes types"},
		{"[a:b ISSUBSET 'not-an-ip']", V21, KindInvalid, 15, "not an IP"},
		{"[a:b MATCHES '(?=x)']", V21, KindUnsupported, 14, "lookaround"},
		{"[a:b MATCHES 'a(']", V21, KindInvalid, 14, "missing closing )"},
		{"[a:b = 1] START '2020-01-01T00:00:00Z' STOP '2020-01-02T00:00:00Z'", V21, KindSyntax, 17, "timestamp"},
		{"[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'", V20, KindSyntax, 17, "quoted timestamp"},
		{"[a:b = 1] START '2020-01-01t00:00:00Z' STOP '2020-01-02T00:00:00Z'", V20, KindInvalid, 17, "not a timestamp"},
		{"[EXISTS a:b]", V20, KindSyntax, 9, "expected ':' after the object type"},
		{"[a:b = 1]]", V21, KindSyntax, 10, "expected AND, OR, FOLLOWEDBY"},
		{"[a:b = 1] AND", V21, KindSyntax, 14, "expected '[' or '('"},
		{"[a:b = 1 /* open", V21, KindSyntax, 10, "unterminated /*"},
		{"[a:b = 1 $]", V21, KindSyntax, 10, "unexpected character '$'"},
		{"[a:b = 1]\n  [", V21, KindSyntax, 3, ""},
		{"", V21, KindSyntax, 1, "found end of pattern"},
	}
	for _, tt := range tests {
		_, err := ParseVersion(tt.in, tt.version)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("ParseVersion(%q, %s) error = %v, want *Error", tt.in, tt.version, err)
			continue
		}
		if pe.Kind != tt.kind || pe.Column != tt.col || !strings.Contains(pe.Error(), tt.msg) {
			t.Errorf("ParseVersion(%q, %s) = %v (kind %v, column %d), want kind %v, column %d, containing %q",
				tt.in, tt.version, pe, pe.Kind, pe.Column, tt.kind, tt.col, tt.msg)
		}
	}
}

func TestErrorLineColumn(t *testing.T) {
	_, err := Parse("[a:b = 1]\nAND\n  [a:é = 2]")
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *Error", err)
	}
	if pe.Line != 3 || pe.Column != 6 || pe.Offset != 19 {
		t.Errorf("got line %d column %d offset %d, want 3, 6, 19", pe.Line, pe.Column, pe.Offset)
	}
}

func TestHostileInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"deep parens", strings.Repeat("(", 100000) + "[a:b = 1]" + strings.Repeat(")", 100000), false},
		{"deep cmp parens", "[" + strings.Repeat("(", 100000) + "a:b = 1" + strings.Repeat(")", 100000) + "]", false},
		{"nesting at limit", strings.Repeat("(", MaxNesting-1) + "[a:b = 1]" + strings.Repeat(")", MaxNesting-1), true},
		{"unclosed", strings.Repeat("[", 100000), false},
		{"huge string", "[a:b = '" + strings.Repeat("x", 10<<20) + "']", true},
		{"huge number", "[a:b = " + strings.Repeat("9", 100000) + "]", false},
		{"huge float", "[a:b = 1." + strings.Repeat("9", 100000) + "]", true},
		{"long AND chain", "[" + strings.Repeat("a:b = 1 AND ", 50000) + "a:b = 1]", true},
		{"long qualifier chain", "[a:b = 1]" + strings.Repeat(" REPEATS 1 TIMES", 50000), true},
		{"long observation chain", strings.Repeat("[a:b = 1] FOLLOWEDBY ", 20000) + "[a:b = 1]", true},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got error %v, want ok = %v", tt.name, err, tt.ok)
		}
		if err == nil {
			if _, err := Parse(p.String()); err != nil {
				t.Errorf("%s: reparse: %v", tt.name, err)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		in  string
		ok  bool
		msg string
	}{
		{"[file:hashes.'SHA-256' = 'f00']", false, "not a valid SHA-256 hash"},
		{"[file:hashes.md5 IN ('d41d8cd98f00b204e9800998ecf8427e', 'x')]", false, "not a valid md5 hash"},
		{"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", true, ""},
		{"[file:hashes.'x-custom' = 'anything']", true, ""},
		{"[file:hashes.MD5 LIKE 'd41d%']", true, ""},
		{"[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES", false, "duplicate REPEATS"},
		{"([a:b = 1] REPEATS 2 TIMES) REPEATS 3 TIMES", true, ""},
		{"([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS", true, ""},
		{"[a:b = 1] WITHIN 5 SECONDS REPEATS 2 TIMES", true, ""},
	}
	for _, tt := range tests {
		err := Check(tt.in)
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), tt.msg)) {
			t.Errorf("Check(%q) = %v, want ok %v with %q", tt.in, err, tt.ok, tt.msg)
		}
		if _, err := Parse(tt.in); err != nil {
			t.Errorf("Parse(%q) = %v, want success (the matcher accepts it)", tt.in, err)
		}
	}
}
