package pattern

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var (
	genPath = rapid.SampledFrom([]string{"x:n", "x:s", "x:l[*]", "x:l[0]", "x:o.k", "x:r_ref.s", "x:'odd key'", "y:n"})
	genLit  = rapid.SampledFrom([]string{"0", "1", "-2", "1.5", "'a'", "'b'", "'a\\'b'", "true", "false",
		"h'61'", "b'YQ=='", "t'2020-01-01T00:00:05Z'"})
	genStrOperand = map[string]*rapid.Generator[string]{
		"LIKE":       rapid.SampledFrom([]string{"'a'", "'%a%'", "'_'", "'a%'"}),
		"MATCHES":    rapid.SampledFrom([]string{"'a'", "'^a'", "'.'", "'b$'"}),
		"ISSUBSET":   rapid.SampledFrom([]string{"'10.0.0.0/8'", "'10.1.2.3'", "'::/0'"}),
		"ISSUPERSET": rapid.SampledFrom([]string{"'10.0.0.0/8'", "'10.1.2.3'", "'::1'"}),
	}
)

// genComparison draws the text of one comparison. Timestamp literals are left out of = and
// IN on string paths only by chance; the evaluation error they may cause is fine.
func genComparison(t *rapid.T) string {
	path := genPath.Draw(t, "path")
	not := rapid.SampledFrom([]string{"", "NOT "}).Draw(t, "not")
	switch op := rapid.SampledFrom([]string{"=", "!=", "<", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"}).Draw(t, "op"); op {
	case "EXISTS":
		return "EXISTS " + path
	case "IN":
		n := rapid.IntRange(0, 3).Draw(t, "n")
		lits := make([]string, n)
		kind := rapid.SampledFrom([]string{"0", "'a'", "true"}).Draw(t, "kind")
		for i := range lits {
			lits[i] = kind
		}
		return path + " " + not + "IN (" + strings.Join(lits, ", ") + ")"
	case "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET":
		return path + " " + not + op + " " + genStrOperand[op].Draw(t, "str")
	case "<", ">=":
		lit := genLit.Draw(t, "lit")
		if lit == "true" || lit == "false" {
			lit = "1"
		}
		return path + " " + not + op + " " + lit
	default:
		return path + " " + not + op + " " + genLit.Draw(t, "lit")
	}
}

func genCmpExpr(t *rapid.T, depth int) string {
	if depth == 0 || rapid.Bool().Draw(t, "leaf") {
		return genComparison(t)
	}
	op := rapid.SampledFrom([]string{" AND ", " OR "}).Draw(t, "cmpop")
	e := genCmpExpr(t, depth-1) + op + genCmpExpr(t, depth-1)
	if rapid.Bool().Draw(t, "paren") {
		e = "(" + e + ")"
	}
	return e
}

func genObsExpr(t *rapid.T, depth int) string {
	var e string
	if depth == 0 || rapid.Bool().Draw(t, "obsleaf") {
		e = "[" + genCmpExpr(t, 2) + "]"
	} else {
		op := rapid.SampledFrom([]string{" AND ", " OR ", " FOLLOWEDBY "}).Draw(t, "obsop")
		e = "(" + genObsExpr(t, depth-1) + op + genObsExpr(t, depth-1) + ")"
	}
	for i := rapid.IntRange(0, 2).Draw(t, "nquals"); i > 0; i-- {
		e += rapid.SampledFrom([]string{" WITHIN 5 SECONDS", " WITHIN 0.5 SECONDS", " REPEATS 2 TIMES",
			" START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:06Z'"}).Draw(t, "qual")
	}
	return e
}

// propertyObservations are three observed-data a few seconds apart, with objects whose
// properties the generated paths reach.
func propertyObservations(t *rapid.T) []Observation {
	var docs []string
	for i := 0; i < 3; i++ {
		at := time.Date(2020, 1, 1, 0, 0, 2*i, 0, time.UTC).Format(time.RFC3339)
		n := rapid.IntRange(-2, 2).Draw(t, "n")
		s := rapid.SampledFrom([]string{"a", "b", "a'b", "10.1.2.3", "xa"}).Draw(t, "s")
		docs = append(docs, fmt.Sprintf(`{"type":"observed-data","id":"observed-data--%d","first_observed":%q,"last_observed":%q,
			"number_observed":%d,"objects":{"0":{"type":"x","n":%d,"s":%q,"l":[%d,"a"],"o":{"k":%q},"r_ref":"1","odd key":true},
			"1":{"type":"x","s":%q}}}`, i, at, at, rapid.IntRange(1, 2).Draw(t, "count"), n, s, n, s, s))
	}
	obs, err := DecodeObservations([]byte("[" + strings.Join(docs, ",") + "]"))
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

type outcomeSummary struct {
	matched bool
	failed  bool
	obs     string
}

func summarize(p *Pattern, obs []Observation) outcomeSummary {
	r, err := p.Match(obs, MatchOptions{})
	return outcomeSummary{matched: r.Matched, failed: err != nil, obs: fmt.Sprint(r.Observations)}
}

// TestStringPreservesMeaning: a generated pattern parses, prints stably, and its printed form
// matches exactly the observations the original matches.
func TestStringPreservesMeaning(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src := genObsExpr(t, 2)
		p, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		printed := p.String()
		q, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(String()) of %q = %q: %v", src, printed, err)
		}
		if again := q.String(); again != printed {
			t.Fatalf("String unstable: %q then %q", printed, again)
		}
		obs := propertyObservations(t)
		if a, b := summarize(p, obs), summarize(q, obs); a != b {
			t.Fatalf("%q and its String %q disagree: %+v vs %+v", src, printed, a, b)
		}
	})
}

// TestNotNegates: on a path that selects exactly one value, NOT inverts every operator but
// the ordering ones (whose incomparable types stay false).
func TestNotNegates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		obs := propertyObservations(t)[:1]
		path := rapid.SampledFrom([]string{"x:n", "x:o.k", "x:l[0]"}).Draw(t, "path")
		var op, lit string
		switch op = rapid.SampledFrom([]string{"=", "!=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"}).Draw(t, "op"); op {
		case "=", "!=":
			lit = genLit.Draw(t, "lit")
		case "IN":
			lit = "(" + genLit.Draw(t, "lit") + ")"
		default:
			lit = genStrOperand[op].Draw(t, "str")
		}
		// Only the first object has these paths, so each selects one value.
		plain, _ := Parse("[" + path + " " + op + " " + lit + "]")
		negated, _ := Parse("[" + path + " NOT " + op + " " + lit + "]")
		a, b := summarize(plain, obs), summarize(negated, obs)
		if a.failed || b.failed {
			if a.failed != b.failed {
				t.Fatalf("%s %s %s: only one side failed", path, op, lit)
			}
			return
		}
		if a.matched == b.matched {
			t.Fatalf("%s %s %s: plain and NOT both give %v", path, op, lit, a.matched)
		}
	})
}

// TestObservationOr: A OR B matches exactly when A or B does.
func TestObservationOr(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		obs := propertyObservations(t)
		a, b := genObsExpr(t, 1), genObsExpr(t, 1)
		pa, _ := Parse(a)
		pb, _ := Parse(b)
		por, err := Parse(a + " OR " + b)
		if err != nil {
			t.Fatal(err)
		}
		sa, sb, sor := summarize(pa, obs), summarize(pb, obs), summarize(por, obs)
		if sa.failed || sb.failed {
			return
		}
		if sor.matched != (sa.matched || sb.matched) {
			t.Fatalf("%s: %v, %s: %v, but OR gives %v", a, sa.matched, b, sb.matched, sor.matched)
		}
	})
}
