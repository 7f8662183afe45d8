package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// entente runs the CLI in process with a fresh environment and returns stdout, stderr and the
// exit code.
func entente(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	code := exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func dataFlags(t *testing.T) []string {
	t.Helper()
	return []string{"--data", t.TempDir()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// objectsOf decodes a bundle (or any stream the reader takes) into canonical JSON per object
// version, keyed by id and version.
func objectsOf(t *testing.T, bundle string) map[string]string {
	t.Helper()
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	d := json.NewDecoder(strings.NewReader(bundle))
	d.UseNumber()
	if err := d.Decode(&b); err != nil {
		t.Fatalf("not a bundle: %v", err)
	}
	out := map[string]string{}
	for _, o := range b.Objects {
		v, _ := o["modified"].(string)
		if v == "" {
			v, _ = o["created"].(string)
		}
		canon, err := json.Marshal(o) // map keys sorted: canonical for comparison
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(o["id"], "@", v)] = string(canon)
	}
	return out
}

const validIndicator = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.123456Z","indicator_types":["malicious-activity"],"name":"Poison Ivy Malware","pattern":"[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","x_custom_number":12345678901234567890,"x_custom":{"nested":[1,2.50,"ü"]}}`

func TestImportExportRoundTrip(t *testing.T) {
	data := dataFlags(t)
	bundle, _, code := entente(t, "", "gen", "--objects", "3000", "--seed", "7")
	if code != 0 {
		t.Fatalf("gen exit %d", code)
	}
	in := writeFile(t, "b.json", bundle)
	out, errOut, code := entente(t, "", append([]string{"import", in}, data...)...)
	if code != 0 {
		t.Fatalf("import exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if !strings.Contains(out, "3000 objects: 3000 accepted, 0 duplicate, 0 rejected") {
		t.Errorf("import summary: got %q", out)
	}
	exported, errOut, code := entente(t, "", append([]string{"export"}, data...)...)
	if code != 0 {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	want, got := objectsOf(t, bundle), objectsOf(t, exported)
	if len(got) != len(want) {
		t.Fatalf("got %d object versions back, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("object %s changed in the round trip:\n got  %s\n want %s", k, got[k], w)
			break
		}
	}
}

func TestImportCustomPropertiesAndPrecision(t *testing.T) {
	data := dataFlags(t)
	in := writeFile(t, "o.json", validIndicator)
	if out, errOut, code := entente(t, "", append([]string{"import", in}, data...)...); code != 0 {
		t.Fatalf("import exit %d: %s %s", code, out, errOut)
	}
	exported, _, _ := entente(t, "", append([]string{"export"}, data...)...)
	if !strings.Contains(exported, validIndicator) {
		t.Errorf("export does not hold the object byte for byte:\n%s", exported)
	}
}

func TestImportReportsRejectionsAndKeepsValidObjects(t *testing.T) {
	data := dataFlags(t)
	bad := []string{
		`{"type":"indicator","spec_version":"2.1","id":"indicator--not-a-uuid","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[a:b = 'c']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}`,
		`{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2016-04-06T20:07:09.000Z","modified":"2015-04-06T20:07:09.000Z","name":"x","is_family":false}`,
		`"just a string"`,
		`{"type":"identity","spec_version":"2.1","id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-02-30T00:00:00Z","modified":"2015-12-21T19:59:11Z","name":"x"}`,
	}
	in := writeFile(t, "b.json", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`+validIndicator+","+strings.Join(bad, ",")+`]}`)
	out, _, code := entente(t, "", append([]string{"import", in}, data...)...)
	if code != 1 {
		t.Errorf("got exit %d, want 1 when objects were rejected", code)
	}
	for _, want := range []string{
		"object 2 indicator--not-a-uuid: rejected: id:",
		"object 3 malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b: rejected: modified:",
		"object 4 (no id): rejected: malformed JSON: a STIX object must be a JSON object, not a string",
		"object 5 identity--311b2d2d-f010-4473-83ec-1edf84858f4c: rejected: created:",
		"5 objects: 1 accepted, 0 duplicate, 4 rejected",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	exported, _, _ := entente(t, "", append([]string{"export"}, data...)...)
	if got := len(objectsOf(t, exported)); got != 1 {
		t.Errorf("got %d objects stored, want only the valid one", got)
	}
}

func TestImportTwiceGivesDuplicates(t *testing.T) {
	data := dataFlags(t)
	in := writeFile(t, "o.json", validIndicator)
	entente(t, "", append([]string{"import", in}, data...)...)
	out, _, code := entente(t, validIndicator, append([]string{"import", "-"}, data...)...)
	if code != 0 || !strings.Contains(out, "1 objects: 0 accepted, 1 duplicate, 0 rejected") {
		t.Errorf("second import: exit %d, output %q; want a duplicate and exit 0", code, out)
	}
}

func TestImportUnreadableInput(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", "this is not JSON", "expected a STIX bundle"},
		{"truncated", `{"type":"bundle","objects":[` + validIndicator + `,{"type":"indic`, "truncated"},
		{"binary", "\x00\x01\x02", "byte 0x00"},
	}
	for _, tt := range tests {
		data := dataFlags(t)
		_, errOut, code := entente(t, tt.in, append([]string{"import", "-"}, data...)...)
		if code != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 mentioning %q", tt.name, code, errOut, tt.want)
		}
	}
	// What came before the truncation is stored and whole; importing the complete file finishes it.
	data := dataFlags(t)
	entente(t, `{"type":"bundle","objects":[`+validIndicator+`,{"type":"indic`, append([]string{"import", "-"}, data...)...)
	exported, _, _ := entente(t, "", append([]string{"export"}, data...)...)
	if got := len(objectsOf(t, exported)); got != 1 {
		t.Errorf("after a truncated import: got %d objects, want 1", got)
	}
}

func TestImportOASISExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "conformance-data", "stix", "examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skipf("no OASIS examples at %s (the shared folder is absent)", dir)
	}
	data := dataFlags(t)
	for _, f := range files {
		out, errOut, code := entente(t, "", append([]string{"import", f}, data...)...)
		if code != 0 {
			t.Errorf("%s: exit %d\n%s%s", filepath.Base(f), code, out, errOut)
		}
	}
}

func TestUnknownCommandAndBadFlags(t *testing.T) {
	if _, errOut, code := entente(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if _, errOut, code := entente(t, "", "export", "--added-after", "yesterday", "--data", t.TempDir()); code != 2 || !strings.Contains(errOut, "added-after") {
		t.Errorf("bad --added-after: exit %d, %q", code, errOut)
	}
}

func TestOrgTokenCollectionCommands(t *testing.T) {
	data := dataFlags(t)
	out, _, code := entente(t, "", append([]string{"org", "add", "--name", "LSI Bayern", "--country", "de"}, data...)...)
	if code != 0 {
		t.Fatalf("org add exit %d", code)
	}
	orgID := lastLine(out)
	if _, _, code := entente(t, "", append([]string{"org", "add", "--name", "LSI Bayern"}, data...)...); code == 0 {
		t.Errorf("adding the same name twice succeeded")
	}
	out, _, code = entente(t, "", append([]string{"token", "create", "--org", "LSI Bayern", "--role", "partner", "--expires", "30d"}, data...)...)
	if code != 0 || !strings.HasPrefix(lastLine(out), "ent_") {
		t.Errorf("token create: exit %d, %q", code, out)
	}
	out, _, code = entente(t, "", append([]string{"collection", "create", "--title", "Shared IOCs", "--alias", "iocs", "--read", orgID}, data...)...)
	if code != 0 || len(lastLine(out)) != 36 {
		t.Errorf("collection create: exit %d, %q", code, out)
	}
	out, _, _ = entente(t, "", append([]string{"collection", "list"}, data...)...)
	if !strings.Contains(out, "iocs") || !strings.Contains(out, "default") {
		t.Errorf("collection list lacks collections: %q", out)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestImportSurvivesKill kills a real import process (SIGKILL) while it is storing, at several
// points, and checks that the store opens cleanly holding only whole objects, and that importing
// again completes it with the stored objects reported as duplicates.
func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real process")
	}
	bin := buildBinary(t)
	const total = 20000
	bundle, _, _ := entente(t, "", "gen", "--objects", fmt.Sprint(total), "--seed", "3")
	in := writeFile(t, "big.json", bundle)
	want := objectsOf(t, bundle)
	for _, killAfter := range []int{1500, 9000, 17000} {
		data := t.TempDir()
		cmd := exec.Command(bin, "import", "--all", "--batch", "1000", "--data", data, in)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Outcomes are printed as batches commit; kill once killAfter of them have been seen.
		sc := bufio.NewScanner(stdout)
		for n := 0; n < killAfter && sc.Scan(); n++ {
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		exported, errOut, code := entente(t, "", "export", "--data", data)
		if code != 0 {
			t.Fatalf("export after kill at %d: exit %d: %s", killAfter, code, errOut)
		}
		partial := objectsOf(t, exported)
		if len(partial) < killAfter-1000 || len(partial) >= len(want) {
			t.Errorf("kill at %d: %d of %d object versions stored; the kill did not land mid-import", killAfter, len(partial), len(want))
		}
		for k, v := range partial {
			if want[k] != v {
				t.Fatalf("kill at %d: stored object %s is not whole or not the input", killAfter, k)
			}
		}
		out, errOut, code := entente(t, "", "import", "--data", data, in)
		if code != 0 {
			t.Fatalf("re-import after kill at %d: exit %d: %s %s", killAfter, code, out, errOut)
		}
		if !strings.Contains(out, fmt.Sprintf("%d duplicate", len(partial))) {
			t.Errorf("re-import after kill at %d: %q, want %d duplicates", killAfter, lastLine(out), len(partial))
		}
		exported, _, _ = entente(t, "", "export", "--data", data)
		if got := len(objectsOf(t, exported)); got != len(want) {
			t.Errorf("after re-import: got %d object versions, want %d", got, len(want))
		}
	}
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "entente")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestAgreementShareExplainAudit(t *testing.T) {
	data := dataFlags(t)
	do := func(stdin string, args ...string) (string, int) {
		t.Helper()
		out, errOut, code := entente(t, stdin, append(args, data...)...)
		return out + errOut, code
	}
	if out, code := do("", "org", "add", "--name", "CalOES", "--country", "US"); code != 0 {
		t.Fatal(out)
	}
	do("", "org", "add", "--name", "ANSSI")
	red := strings.Replace(validIndicator, `"x_custom_number"`, `"object_marking_refs":["`+"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"+`"],"x_custom_number"`, 1)
	if out, code := do(red, "import", "-"); code != 0 {
		t.Fatal(out)
	}
	id := "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	if out, code := do("", "agreement", "set", "--partner", "CalOES", "--max-tlp", "amber", "--valid-until", "2099-01-01"); code != 0 {
		t.Fatalf("agreement set: %s", out)
	}
	if out, code := do("", "agreement", "set", "--partner", "CalOES", "--max-tlp", "red"); code != 2 || !strings.Contains(out, "RED is shared per object") {
		t.Errorf("agreement with max RED: exit %d %s", code, out)
	}
	out, _ := do("", "explain", id)
	if !strings.Contains(out, "CalOES") || !strings.Contains(out, "tlp-red-not-named") {
		t.Errorf("explain before sharing:\n%s", out)
	}
	if out, code := do("", "share", id, "--with", "CalOES"); code != 0 {
		t.Fatalf("share: %s", out)
	}
	out, _ = do("", "explain", "--json", id)
	var ex struct {
		Recipients []struct {
			Org      string `json:"org"`
			Receives bool   `json:"receives"`
		} `json:"recipients"`
	}
	if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &ex); err != nil {
		t.Fatalf("explain --json: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, r := range ex.Recipients {
		got[r.Org] = r.Receives
	}
	if !got["CalOES"] || got["ANSSI"] || got["public (open data)"] {
		t.Errorf("after sharing with CalOES: %v; want only CalOES to receive the RED object", got)
	}
	if out, code := do("", "agreement", "list"); code != 0 || !strings.Contains(out, "CalOES") || !strings.Contains(out, "TLP:AMBER") {
		t.Errorf("agreement list: %s", out)
	}
	if out, code := do("", "audit", "verify"); code != 0 || !strings.Contains(out, "intact: 2 entries") {
		t.Errorf("audit verify: exit %d %s (want the agreement and the share recorded)", code, out)
	}
	if out, code := do("", "explain", "indicator--00000000-0000-4000-8000-000000000000"); code == 0 || !strings.Contains(out, "no object") {
		t.Errorf("explain of an unknown object: %s", out)
	}
}

func TestOpendataMetadataCommands(t *testing.T) {
	data := dataFlags(t)
	shown, _, code := entente(t, "", append([]string{"opendata", "show"}, data...)...)
	if code != 0 || !strings.Contains(shown, `"datasets"`) {
		t.Fatalf("opendata show: exit %d %s", code, shown)
	}
	changed := strings.Replace(shown, `"datasets"`, `"publisher": "LSI Stuttgart", "datasets"`, 1)
	if out, errOut, code := entente(t, changed, append([]string{"opendata", "set", "-"}, data...)...); code != 0 {
		t.Fatalf("opendata set: exit %d %s %s", code, out, errOut)
	}
	if shown, _, _ := entente(t, "", append([]string{"opendata", "show"}, data...)...); !strings.Contains(shown, "LSI Stuttgart") {
		t.Errorf("the publisher was not kept:\n%s", shown)
	}
	if _, errOut, code := entente(t, `{"colour": "red"}`, append([]string{"opendata", "set", "-"}, data...)...); code != 1 || !strings.Contains(errOut, "colour") {
		t.Errorf("unknown field: exit %d %q", code, errOut)
	}
}

// TestDefaultTLPChange stores an unmarked object under a TLP:CLEAR default, then raises the
// default: other commands refuse to run under a configuration that differs from the node's,
// and serve reclassifies the stored object before it serves, so that the public no longer
// receives it.
func TestDefaultTLPChange(t *testing.T) {
	n := newProcNode(t, buildBinary(t), "Berlin", 1)
	id := "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	run := func(stdin string, args ...string) (string, int) {
		t.Helper()
		out, errOut, code := entente(t, stdin, append(args, "--data", n.data)...)
		return out + errOut, code
	}
	public := func(extra ...string) bool {
		t.Helper()
		out, code := run("", append([]string{"explain", "--json", id}, extra...)...)
		if code != 0 {
			t.Fatalf("explain %v: exit %d: %s", extra, code, out)
		}
		var ex struct {
			Recipients []struct {
				Org      string `json:"org"`
				Receives bool   `json:"receives"`
			} `json:"recipients"`
		}
		if err := json.Unmarshal([]byte(out), &ex); err != nil {
			t.Fatalf("explain --json: %v\n%s", err, out)
		}
		for _, r := range ex.Recipients {
			if r.Org == "public (open data)" {
				return r.Receives
			}
		}
		t.Fatalf("explain names no public recipient: %s", out)
		return false
	}

	if out, code := run(validIndicator, "import", "-", "--default-tlp", "clear"); code != 0 {
		t.Fatalf("import: exit %d: %s", code, out)
	}
	if !public("--default-tlp", "clear") {
		t.Fatal("an unmarked object under a CLEAR default does not reach the public")
	}
	for _, args := range [][]string{{"explain", id}, {"import", "-"}, {"export"}} {
		out, code := run(validIndicator, args...)
		if code != 2 || !strings.Contains(out, `"default_tlp=clear"`) || !strings.Contains(out, "entente serve") {
			t.Errorf("%v under another default: exit %d, %s; want exit 2 naming the node's configuration", args, code, out)
		}
	}

	n.start() // the default, AMBER+STRICT
	n.kill()
	if !strings.Contains(n.log.String(), "reclassifying every stored object version") {
		t.Errorf("serve's log does not say it reclassified:\n%s", n.log)
	}
	if public() {
		t.Error("after serve ran with an AMBER+STRICT default, the unmarked object still reaches the public")
	}
	if out, code := run("", "explain", id, "--default-tlp", "clear"); code != 2 {
		t.Errorf("explain under the old default after the change: exit %d, %s; want 2", code, out)
	}

	// A reclassification to CLEAR stopped half way (the object rewritten as CLEAR, the setting
	// naming no configuration): commands refuse, and serve, started again under AMBER+STRICT,
	// classifies everything again rather than trusting what the setting said before.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(n.data, "entente.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.Objects().Latest(ctx, id)
	if err == nil {
		err = st.Objects().SetFacts(ctx, rec.Collection, []store.StoredFacts{{DateAdded: rec.DateAdded, TLP: stix.TLPClear}})
	}
	if err == nil {
		err = st.Settings().Set(ctx, policy.ConfigSetting, reclassifying+"default_tlp=clear")
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out, code := run("", "explain", id); code != 2 || !strings.Contains(out, "being reclassified") {
		t.Errorf("explain after an interrupted reclassification: exit %d, %s; want 2", code, out)
	}
	n.start()
	n.kill()
	if public() {
		t.Error("after serve finished an interrupted reclassification, the unmarked object reaches the public")
	}
}
