package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/entente/entente/internal/opendata"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
)

// chromium returns the browser to drive: $ENTENTE_CHROMIUM or Debian's. Without one the test
// is skipped, except in CI (CI=true), where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("ENTENTE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is required in CI (scripts/chromium.sh installs it)")
	}
	t.Skip("Chromium not found (run scripts/chromium.sh, or set ENTENTE_CHROMIUM); skipping the browser test")
	return ""
}

// browserProblems collects console errors, uncaught exceptions and failed requests of a page.
type browserProblems struct {
	mu   sync.Mutex
	list []string
}

func (b *browserProblems) add(format string, args ...any) {
	b.mu.Lock()
	b.list = append(b.list, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

func (b *browserProblems) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.list
	b.list = nil
	return out
}

// TestBrowser drives the interface in headless Chromium as an analyst would: sign in, create an
// indicator, find it by value, read its explanation, share it, switch the language, import a
// file, open the public portal. Any console error or failed request fails it. With
// ENTENTE_SCREENSHOTS=DIR it saves screenshots of the main pages there.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	f := newFixture(t)
	od := opendata.New(opendata.Deps{Store: f.st, Gate: &policy.Gate{Store: f.st, Config: policy.Config{DefaultTLP: stix.TLPAmberStrict}, Own: f.self.ID}})
	mux := http.NewServeMux()
	mux.Handle("/", f.ui)
	mux.Handle("/opendata/", od)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := srv.URL

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	probs := &browserProblems{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				probs.add("console.%s", e.Type)
			}
		case *runtime.EventExceptionThrown:
			probs.add("exception: %s", e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				probs.add("log error: %s (%s)", e.Entry.Text, e.Entry.URL)
			}
		case *network.EventLoadingFailed:
			if !e.Canceled {
				probs.add("request failed: %s", e.ErrorText)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				probs.add("HTTP %d for %s", int(e.Response.Status), e.Response.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("network events: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("log events: %v", err)
	}
	shots := os.Getenv("ENTENTE_SCREENSHOTS")
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			if shots == "" {
				return chromedp.Void{}, nil
			}
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		}
	}
	check := func(name string) {
		t.Helper()
		for _, p := range probs.take() {
			t.Errorf("%s: %s", name, p)
		}
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check(name)
		a11y(t, ctx, name)
	}
	text := func(name string, sel chromedp.ID) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: reading #%s: %v", name, sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("location: %v", err)
		}
		return s
	}

	step("sign in",
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.ID("name")),
		shot("signin"),
		chromedp.SendKeys(chromedp.ID("name"), "ann"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("signout")),
	)
	if h, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1"))); err != nil || !strings.Contains(h, "Dashboard") {
		t.Errorf("after sign-in the page heading is %q (%v), want the dashboard", h, err)
	}

	step("create an indicator",
		chromedp.Navigate(base+"/new/indicator"),
		chromedp.WaitVisible(chromedp.ID("pattern")),
		chromedp.SendKeys(chromedp.ID("name"), "Phishing relay"),
		chromedp.SendKeys(chromedp.ID("description"), "Forwards mail for the harbourmaster lure."),
		chromedp.SendKeys(chromedp.ID("pattern"), "[ipv4-addr:value = '198.51.100.77']"),
		chromedp.SetValue(chromedp.ID("tlp"), "amber"),
		chromedp.Click(chromedp.ID("author-submit")),
		chromedp.WaitVisible(chromedp.ID("explain")),
		shot("object"),
	)
	loc := location()
	i := strings.Index(loc, "indicator--")
	if i < 0 {
		t.Fatalf("after creating, the page is %s", loc)
	}
	id := strings.TrimSuffix(loc[i:], "?created=1")
	if s := text("explanation", "explain"); !strings.Contains(s, "CERT-Partner") {
		t.Errorf("the explanation does not name the partner: %q", s)
	}

	step("find it by value",
		chromedp.Navigate(base+"/search"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "198.51.100.77"),
		chromedp.Click(chromedp.ID("search-submit")),
		chromedp.WaitVisible(chromedp.ID("value-result")),
		shot("search"),
	)
	if s := text("search", "value-result"); !strings.Contains(s, "Phishing relay") {
		t.Errorf("search by value does not name the indicator: %q", s)
	}
	if h, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("value-result"))); err != nil || !strings.Contains(h, "/objects/"+id) {
		t.Errorf("search by value does not link %s (%v)", id, err)
	}

	step("find it by a word of its description",
		chromedp.Navigate(base+"/search"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "Harbourmaster"),
		chromedp.Click(chromedp.ID("search-submit")),
		chromedp.WaitVisible(chromedp.ID("results")),
	)
	if h, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("results"))); err != nil || !strings.Contains(h, "/objects/"+id) {
		t.Errorf("full-text search for a word of the description does not list %s (%v)", id, err)
	}

	step("share it",
		chromedp.Navigate(base+"/objects/"+id),
		chromedp.WaitVisible(chromedp.ID("share-submit")),
		chromedp.Click(chromedp.CSS(`#share-form input[value="`+f.partner.ID+`"]`)),
		chromedp.Click(chromedp.ID("share-submit")),
		chromedp.WaitVisible(chromedp.ID("shared-with")),
	)
	if s := text("share", "shared-with"); !strings.Contains(s, "CERT-Partner") {
		t.Errorf("after sharing the share list says %q", s)
	}

	step("switch language",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`button[value="de"]`)),
		chromedp.Click(chromedp.CSS(`button[value="de"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="de"][aria-pressed="true"]`)),
		shot("dashboard-de"),
	)
	lang, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
	if err != nil || lang.Value != "de" {
		t.Errorf("after switching: html lang %q (%v), want de", lang.Value, err)
	}
	if s := text("switch", "signout"); s != "Abmelden" {
		t.Errorf("after switching the sign-out button says %q, want Abmelden", s)
	}

	bundle := filepath.Join(t.TempDir(), "bundle.json")
	writeTestBundle(t, bundle)
	step("import a file",
		chromedp.Navigate(base+"/import"),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{bundle}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-result")),
		shot("import"),
	)
	if s := text("import", "import-result"); !strings.Contains(s, "2 angenommen") {
		t.Errorf("import result says %q, want 2 accepted (in German)", s)
	}

	step("dashboard and partners",
		chromedp.Navigate(base+"/partners"),
		chromedp.WaitVisible(chromedp.ID("partners")),
		shot("partners"),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("c-type")),
		shot("dashboard"),
	)

	step("open the public portal",
		chromedp.Click(chromedp.CSS(`header a[href^="/opendata/"]`)),
		chromedp.WaitReady(chromedp.CSS("body")),
	)
	if loc := location(); !strings.Contains(loc, "/opendata/") {
		t.Errorf("the portal link led to %q", loc)
	}
	check("public portal")
}

// a11yScript lists what the page gets wrong of the basics: a form control without a label, an
// image or chart without a text alternative, a page without a main landmark or a level-1
// heading, content wider than a tablet's screen.
const a11yScript = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) bad.push("control without a label: " + (el.id || el.name));
  }
  for (const el of document.querySelectorAll("svg")) {
    if (el.closest("button, a") === null && !el.getAttribute("aria-labelledby") && !el.getAttribute("aria-label") && el.getAttribute("aria-hidden") !== "true") bad.push("svg without a text alternative");
  }
  for (const el of document.querySelectorAll("button")) {
    if (!el.textContent.trim() && !el.getAttribute("aria-label")) bad.push("button without a name");
  }
  if (!document.querySelector("main")) bad.push("no main landmark");
  if (document.querySelectorAll("h1").length !== 1) bad.push("not exactly one h1");
  if (!document.documentElement.lang) bad.push("no page language");
  return bad;
})()`

// a11y fails the test for every basic accessibility problem of the current page, at the
// laptop's width and again at a tablet's (768 px, where nothing may scroll sideways).
func a11y(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if strings.Contains(loc, "/opendata/") {
		return // another surface's page, checked by its own tests
	}
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](a11yScript))
	if err != nil {
		t.Fatalf("%s: accessibility check: %v", step, err)
	}
	for _, b := range bad {
		t.Errorf("%s: %s", step, b)
	}
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 768, Height: 1024, DeviceScaleFactor: 1}); err != nil {
		t.Fatalf("%s: tablet viewport: %v", step, err)
	}
	defer chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		t.Fatalf("%s: measuring: %v", step, err)
	}
	if over > 0 {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className : ""))`))
		t.Errorf("%s: at a tablet's 768 px the page scrolls sideways by %d px (%v)", step, over, wide)
	}
}

// writeTestBundle writes a small STIX bundle: a report and an indicator it refers to.
func writeTestBundle(t *testing.T, path string) {
	t.Helper()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	ind, rep := stix.NewID("indicator"), stix.NewID("report")
	b := fmt.Sprintf(`{"type":"bundle","id":"%s","objects":[
{"type":"indicator","spec_version":"2.1","id":"%s","created":"%s","modified":"%s","name":"Imported relay","pattern":"[domain-name:value = 'relay.example']","pattern_type":"stix","valid_from":"%s","object_marking_refs":["%s"]},
{"type":"report","spec_version":"2.1","id":"%s","created":"%s","modified":"%s","name":"Weekly advisory","published":"%s","object_refs":["%s"],"object_marking_refs":["%s"]}]}`,
		stix.NewID("bundle"), ind, now, now, now, stix.TLP2Green, rep, now, now, now, ind, stix.TLP2Green)
	if err := os.WriteFile(path, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
}
