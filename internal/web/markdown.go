package web

import (
	"html"
	"html/template"
	"net/url"
	"strings"
)

// markdown renders a small, safe subset of Markdown for descriptions, reports and notes:
// paragraphs, headings (#, ##, ###), bullet and numbered lists, fenced code blocks, and inline
// **strong**, *emphasis*, `code` and [links](https://…). Every character of the input is escaped;
// the renderer only ever adds its own tags, and links are kept only with http, https or mailto
// schemes, so that the output is safe whatever the input.
func markdown(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := "" // "ul" or "ol" while inside a list
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			b.WriteString(inline(strings.Join(para, " ")))
			b.WriteString("</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "```"):
			flush()
			closeList()
			b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]))
				b.WriteString("\n")
			}
			b.WriteString("</code></pre>\n")
		case trim == "":
			flush()
			closeList()
		case strings.HasPrefix(trim, "#"):
			flush()
			closeList()
			n := len(trim) - len(strings.TrimLeft(trim, "#"))
			if n > 3 || len(trim) == n || trim[n] != ' ' {
				para = append(para, trim)
				continue
			}
			// Headings inside a description sit below the page's own h2 sections.
			tag := []string{"h3", "h4", "h5"}[n-1]
			b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(trim[n:])) + "</" + tag + ">\n")
		case strings.HasPrefix(trim, "- ") || strings.HasPrefix(trim, "* "):
			flush()
			if list != "ul" {
				closeList()
				b.WriteString("<ul>\n")
				list = "ul"
			}
			b.WriteString("<li>" + inline(trim[2:]) + "</li>\n")
		case orderedItem(trim) > 0:
			flush()
			if list != "ol" {
				closeList()
				b.WriteString("<ol>\n")
				list = "ol"
			}
			b.WriteString("<li>" + inline(trim[orderedItem(trim):]) + "</li>\n")
		default:
			closeList()
			para = append(para, trim)
		}
	}
	flush()
	closeList()
	return template.HTML(b.String())
}

// orderedItem returns the length of a "12. " list marker at the start of s, or 0.
func orderedItem(s string) int {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i+1 >= len(s) || s[i] != '.' || s[i+1] != ' ' {
		return 0
	}
	return i + 2
}

// inline renders the inline markup of one block, escaping everything else.
func inline(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case s[0] == '`':
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				b.WriteString("<code>" + html.EscapeString(s[1:1+j]) + "</code>")
				s = s[j+2:]
				continue
			}
		case strings.HasPrefix(s, "**"):
			if j := strings.Index(s[2:], "**"); j > 0 {
				b.WriteString("<strong>" + inline(s[2:2+j]) + "</strong>")
				s = s[j+4:]
				continue
			}
		case s[0] == '*' || s[0] == '_':
			if j := strings.IndexByte(s[1:], s[0]); j > 0 {
				b.WriteString("<em>" + inline(s[1:1+j]) + "</em>")
				s = s[j+2:]
				continue
			}
		case s[0] == '[':
			if text, href, rest, ok := link(s); ok {
				b.WriteString(`<a href="` + html.EscapeString(href) + `" rel="noopener noreferrer">` + inline(text) + "</a>")
				s = rest
				continue
			}
		}
		b.WriteString(html.EscapeString(s[:1]))
		s = s[1:]
	}
	return b.String()
}

// link reads "[text](url)" at the start of s, keeping only http, https and mailto targets.
func link(s string) (text, href, rest string, ok bool) {
	j := strings.Index(s, "](")
	if j < 0 {
		return "", "", "", false
	}
	k := strings.IndexByte(s[j+2:], ')')
	if k < 0 {
		return "", "", "", false
	}
	text, href, rest = s[1:j], s[j+2:j+2+k], s[j+3+k:]
	u, err := url.Parse(href)
	web := (u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "")
	if err != nil || !(web || u.Scheme == "mailto" && u.Opaque != "") || text == "" || strings.ContainsAny(text, "[]") {
		return "", "", "", false
	}
	return text, u.String(), rest, true
}
