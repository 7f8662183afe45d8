package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Hello **world**", "<p>Hello <strong>world</strong></p>\n"},
		{"# Title\ntext", "<h3>Title</h3>\n<p>text</p>\n"},
		{"- a\n- b\n\n1. c", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n"},
		{"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"},
		{"[site](https://example.org/a?b=1&c=2)", `<p><a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">site</a></p>` + "\n"},
		{"```\n<b>\n```", "<pre><code>&lt;b&gt;\n</code></pre>\n"},
		{"`a<b` and *em*", "<p><code>a&lt;b</code> and <em>em</em></p>\n"},
		{"[a\" onmouseover=\"x](https://e.org/\"x)", `<p><a href="https://e.org/%22x" rel="noopener noreferrer">a&#34; onmouseover=&#34;x</a></p>` + "\n"},
	} {
		if got := string(markdown(tc.in)); got != tc.want {
			t.Errorf("markdown(%q):\ngot  %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// FuzzMarkdown checks that no input yields markup beyond the renderer's own tags, or a link
// to anything but http, https or mailto.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**a**", "[x](https://e.org)", "<img src=x onerror=alert(1)>", "```\n<x>", "# h\n- l\n1. o", "*_`[](", "[a](mailto:a@b)"} {
		f.Add(s)
	}
	own := regexp.MustCompile(`</?(p|h3|h4|h5|ul|ol|li|pre|code|strong|em|a)>|<a href="([^"<>]*)" rel="noopener noreferrer">`)
	f.Fuzz(func(t *testing.T, s string) {
		out := string(markdown(s))
		for _, m := range own.FindAllStringSubmatch(out, -1) {
			if strings.HasPrefix(m[0], "<a ") && !strings.HasPrefix(m[2], "http://") && !strings.HasPrefix(m[2], "https://") && !strings.HasPrefix(m[2], "mailto:") {
				t.Fatalf("markdown(%q) links to %q", s, m[2])
			}
		}
		if rest := own.ReplaceAllString(out, ""); strings.ContainsAny(rest, "<>\"") {
			t.Fatalf("markdown(%q) left markup or quotes outside its own tags: %q", s, rest)
		}
	})
}
