package pattern

import (
	"regexp"
	"testing"
)

func TestTranslateRegexp(t *testing.T) {
	tests := []struct {
		in     string
		binary bool
		want   string
		kind   ErrorKind // 0: no error
	}{
		{`abc`, false, `abc`, 0},
		{`\d+`, false, `[\p{Nd}]+`, 0},
		{`\d+`, true, `\d+`, 0},
		{`(?a)\w`, false, `\w`, 0},
		{`\W\S`, false, `[^\p{L}\p{N}_][^` + uniSpace + `]`, 0},
		{`[\d\s-]`, false, `[\p{Nd}` + uniSpace + `-]`, 0},
		{`[\s]`, true, `[\t\n\v\f\r ]`, 0},
		{`[\b]`, false, `[\x08]`, 0},
		{`[]a]`, false, `[\]a]`, 0},
		{`[^]a]`, false, `[^\]a]`, 0},
		{`[[:alpha:]]`, false, `[\[:alpha:]]`, 0},
		{`a$`, false, `a(?:\n?\z)`, 0},
		{`(?m)a$`, false, `(?m)a$`, 0},
		{`a\Z`, false, `a\z`, 0},
		{`\u00e9\U0001F600`, false, `\x{00e9}\x{0001F600}`, 0},
		{`x{,3}`, false, `x{0,3}`, 0},
		{`x{2,3}`, false, `x{2,3}`, 0},
		{`a(?#note)b`, false, `ab`, 0},
		{`(?P<n>a)`, false, `(?P<n>a)`, 0},
		{`\101`, false, `\101`, 0},
		{`\.\@`, false, `\.\@`, 0},
		{`(a)\1`, false, ``, KindUnsupported},
		{`(?P<n>a)(?P=n)`, false, ``, KindUnsupported},
		{`a(?=b)`, false, ``, KindUnsupported},
		{`a(?<!b)`, false, ``, KindUnsupported},
		{`(?>a)`, false, ``, KindUnsupported},
		{`(?x) a`, false, ``, KindUnsupported},
		{`[abc`, false, ``, KindInvalid},
		{`abc\`, false, ``, KindInvalid},
		{`\u12`, false, ``, KindInvalid},
	}
	for _, tt := range tests {
		got, kind, err := translateRegexp(tt.in, tt.binary)
		if tt.kind != 0 {
			if err == nil || kind != tt.kind {
				t.Errorf("translateRegexp(%q) = %q, %v, want error of kind %v", tt.in, got, err, tt.kind)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("translateRegexp(%q, %v) = %q, %v, want %q", tt.in, tt.binary, got, err, tt.want)
			continue
		}
		if _, err := regexp.Compile(got); err != nil {
			t.Errorf("translateRegexp(%q) = %q does not compile: %v", tt.in, got, err)
		}
	}
}

func TestLikeToRegexp(t *testing.T) {
	tests := []struct {
		like, value string
		want        bool
	}{
		{"abc", "abc", true},
		{"a%", "abc", true},
		{"a_c", "abc", true},
		{"a_c", "abbc", false},
		{"%.exe", "evil.exe", true},
		{"%.exe", "evilxexe", false},
		{"(a)", "(a)", true},
		{"a%", "a\nb", false},
		{"ab", "ab\n", true},
		{"", "", true},
	}
	for _, tt := range tests {
		re := regexp.MustCompile(likeToRegexp(tt.like))
		if got := re.MatchString(tt.value); got != tt.want {
			t.Errorf("LIKE %q on %q = %v, want %v", tt.like, tt.value, got, tt.want)
		}
	}
}
