package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/web/assets/axetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	CloseShared()
	os.Exit(code)
}

// csp is the policy that the app's pages send: no inline script or style.
const csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// ics is the body of the calendar file that the download test fetches.
const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Respite//Test//EN\r\nEND:VCALENDAR\r\n"

// page writes an accessible HTML page with the app's CSP.
func page(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title></head>
<body><main><h1 id="heading">%s</h1>
%s
</main></body>
</html>`, html.EscapeString(title), html.EscapeString(title), body)
}

// server is a tiny site of the pages that the tests visit. It records the
// requests for the form, to prove the post/redirect/get.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		page(w, http.StatusOK, "Book a break", `<form method="post" action="/form" novalidate>
<div><label for="name">Full name</label> <input id="name" name="name" type="text" value="Someone else"></div>
<div><label for="nights">Number of nights</label> <input id="nights" name="nights" type="text" inputmode="numeric"></div>
<fieldset><legend>Does Margaret need help at night?</legend>
<input id="night-help-yes" name="night-help" type="radio" value="yes"> <label for="night-help-yes">Yes</label>
<input id="night-help-no" name="night-help" type="radio" value="no"> <label for="night-help-no">No</label>
</fieldset>
<div><input id="agree" name="agree" type="checkbox" value="yes"> <label for="agree">I agree to the terms</label></div>
<div><label for="notes">Anything else we should know</label> <textarea id="notes" name="notes" rows="3"></textarea></div>
<div><label for="home">Care home</label> <select id="home" name="home"><option value="">Choose a home</option><option value="oaks">The Oaks</option><option value="elms">The Elms</option></select></div>
<button type="submit">Continue</button>
</form>
<p><a href="/help">Help</a></p><p><a href="/help">Help</a></p>`)
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/done?"+r.PostForm.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		q := r.URL.Query()
		page(w, http.StatusOK, "Break booked", fmt.Sprintf(`<p>Name: %s</p><p>Nights: %s</p><p>Night help: %s</p><p>Agreed: %s</p><p>Home: %s</p><p>Notes: %s</p>`,
			html.EscapeString(q.Get("name")), html.EscapeString(q.Get("nights")), html.EscapeString(q.Get("night-help")),
			html.EscapeString(q.Get("agree")), html.EscapeString(q.Get("home")), html.EscapeString(q.Get("notes"))))
	})
	mux.HandleFunc("GET /unlabelled", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, "Unlabelled", `<form method="post" action="/form"><input id="x" name="x" type="text"> <button type="submit">Save</button></form>`)
	})
	mux.HandleFunc("GET /scripted", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, "Scripted", `<p id="external">Scripts did not run</p><p id="inline">Inline scripts did not run</p>
<script src="/scripted.js"></script><script>document.getElementById('inline').textContent = 'Inline scripts ran'</script>`)
	})
	mux.HandleFunc("GET /scripted.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `document.getElementById('external').textContent = 'Scripts ran';`)
	})
	mux.HandleFunc("GET /stay", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, "Your stay", `<p><a id="calendar" href="/stay.ics">Add the stay to your calendar</a></p>`)
	})
	mux.HandleFunc("GET /stay.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="respite-stay.ics"`)
		fmt.Fprint(w, ics)
	})
	mux.HandleFunc("GET /links", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, "Links", `<p><a href="/form">Book another break</a></p><p><a href="/nowhere">A broken link</a></p>`)
	})
	mux.HandleFunc("GET /long", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, "A long page", strings.Repeat("<p>A paragraph of a long page.</p>\n", 150))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusNotFound, "Page not found", `<p>If you typed the web address, check it is correct.</p>`)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *server) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
}

func (s *server) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// newTab opens a tab of the shared browser on the test's server.
func newTab(t *testing.T, s *server, opts TabOptions) *Tab {
	t.Helper()
	opts.BaseURL = s.URL
	return Shared(t, Options{AxeSource: axetest.Source()}).NewTab(t, opts)
}

func TestTab_SubmitFollowsRedirect(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tab := newTab(t, s, TabOptions{AuditEveryPage: true})

	if got := tab.Visit("/form"); got != http.StatusOK {
		t.Fatalf("Visit(/form) = %d, want 200", got)
	}
	tab.Fill("Full name", "Helen O'Brien") // by label, replacing the value
	tab.Fill("nights", "3")                // by id
	tab.Choose("night-help-yes")
	tab.Check("I agree to the terms")
	tab.Fill("home", "elms")
	tab.Fill("notes", "Margaret likes the window seat.")
	got := tab.Submit("Continue")

	if got != http.StatusOK {
		t.Errorf("Submit(Continue) = %d, want 200 (the page after the 303)", got)
	}
	if tab.Status() != http.StatusOK {
		t.Errorf("Status() = %d, want 200", tab.Status())
	}
	if !strings.HasPrefix(tab.URL(), s.URL+"/done?") {
		t.Errorf("URL() = %q, want %s/done?…", tab.URL(), s.URL)
	}
	if got, want := tab.Title(), "Break booked"; got != want {
		t.Errorf("Title() = %q, want %q", got, want)
	}
	want := "Break booked\n\nName: Helen O'Brien\n\nNights: 3\n\nNight help: yes\n\nAgreed: yes\n\nHome: elms\n\nNotes: Margaret likes the window seat."
	if diff := cmp.Diff(want, tab.Text()); diff != "" {
		t.Errorf("Text() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /form", "POST /form", "GET /done"}, s.seen()); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
}

func TestTab_StatusOfErrorPage(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tab := newTab(t, s, TabOptions{})

	if got := tab.Visit("/no-such-page"); got != http.StatusNotFound {
		t.Errorf("Visit(/no-such-page) = %d, want 404", got)
	}
	if got := tab.Visit("/links"); got != http.StatusOK {
		t.Errorf("Visit(/links) = %d, want 200", got)
	}
	if got := tab.FollowLink("Book another break"); got != http.StatusOK {
		t.Errorf("FollowLink(Book another break) = %d, want 200", got)
	}
	tab.Visit("/links")
	if got := tab.Click(`a[href="/nowhere"]`); got != http.StatusNotFound {
		t.Errorf("Click(a[href=/nowhere]) = %d, want 404", got)
	}
}

func TestTab_Violations(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tab := newTab(t, s, TabOptions{})

	tab.Visit("/unlabelled")
	began := time.Now()
	violations, err := tab.Violations()
	if err != nil {
		t.Fatalf("Violations() error: %v", err)
	}
	t.Logf("first audit of a page: %v", time.Since(began).Round(time.Millisecond))
	var ids []string
	for _, v := range violations {
		ids = append(ids, v.ID)
	}
	if diff := cmp.Diff([]string{"label"}, ids); diff != "" {
		t.Fatalf("violations mismatch (-want +got):\n%s\n%s", diff, FormatViolations(violations))
	}
	v := violations[0]
	if v.Impact != "critical" || v.Help == "" || !strings.HasPrefix(v.HelpURL, "https://") {
		t.Errorf("violation = %+v, want impact critical, a help text and a help URL", v)
	}
	if len(v.Nodes) != 1 || cmp.Diff([]string{"#x"}, v.Nodes[0].Target) != "" || !strings.Contains(v.Nodes[0].HTML, `id="x"`) {
		t.Errorf("violation nodes = %+v, want the one input #x", v.Nodes)
	}
	msg := FormatViolations(violations)
	for _, want := range []string{"label (critical)", "#x: <input", v.HelpURL} {
		if !strings.Contains(msg, want) {
			t.Errorf("FormatViolations() = %q, want it to contain %q", msg, want)
		}
	}

	// Audit fails the test with the list.
	f := &fatalTB{TB: t}
	tab.t = f
	tab.Audit()
	tab.t = t
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "axe-core found 1 WCAG violations on "+s.URL+"/unlabelled:\n- label (critical)") {
		t.Errorf("Audit() failed the test with %q, want the label violation", f.errors)
	}

	// A second audit of the same page reuses the axe already loaded.
	began = time.Now()
	if again, err := tab.Violations(); err != nil || len(again) != 1 {
		t.Errorf("second Violations() = %d violations, %v; want 1, nil", len(again), err)
	}
	t.Logf("second audit of the same page: %v", time.Since(began).Round(time.Millisecond))

	// The audit turns scripts on for itself only: the next page's scripts
	// must not run.
	tab.Visit("/scripted")
	if got := tab.Text(); !strings.Contains(got, "Scripts did not run") {
		t.Errorf("after an audit, Text() = %q, want the scripts off", got)
	}
	tab.Audit() // an accessible page under the strict CSP: 0 violations
	if got := tab.Text(); !strings.Contains(got, "Scripts did not run") {
		t.Errorf("after an audit of the page, Text() = %q, want its scripts still not run", got)
	}
}

func TestTab_JavaScript(t *testing.T) {
	t.Parallel()
	s := newServer(t)

	t.Run("off by default", func(t *testing.T) {
		tab := newTab(t, s, TabOptions{})
		tab.Visit("/scripted")
		want := "Scripted\n\nScripts did not run\n\nInline scripts did not run"
		if diff := cmp.Diff(want, tab.Text()); diff != "" {
			t.Errorf("Text() mismatch (-want +got):\n%s", diff)
		}
		tab.Visit("/form") // lasts across navigations
		tab.Visit("/scripted")
		if got := tab.Text(); !strings.Contains(got, "Scripts did not run") {
			t.Errorf("after another navigation, Text() = %q, want the scripts off", got)
		}
	})
	t.Run("on, under the CSP", func(t *testing.T) {
		// The external script runs and the inline one is blocked: the
		// browser enforces the CSP, so the audits above ran under it.
		tab := newTab(t, s, TabOptions{JavaScript: true})
		tab.Visit("/scripted")
		want := "Scripted\n\nScripts ran\n\nInline scripts did not run"
		if diff := cmp.Diff(want, tab.Text()); diff != "" {
			t.Errorf("Text() mismatch (-want +got):\n%s", diff)
		}
		tab.Audit()
	})
}

func TestTab_Viewport(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tests := []struct {
		name  string
		opts  TabOptions
		width int
	}{
		{"desktop by default", TabOptions{}, DesktopWidth},
		{"mobile", TabOptions{Width: MobileWidth, Height: MobileHeight}, MobileWidth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newTab(t, s, tt.opts)
			for _, path := range []string{"/form", "/long"} { // lasts across navigations
				tab.Visit(path)
				ctx, cancel := context.WithTimeout(tab.Context(), 10*time.Second)
				got, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.clientWidth`))
				cancel()
				if err != nil {
					t.Fatalf("reading the width: %v", err)
				}
				// /long scrolls, but headless Chromium's scrollbars take no width.
				if got != tt.width {
					t.Errorf("%s: clientWidth = %d, want %d", path, got, tt.width)
				}
			}
		})
	}
}

func TestTab_Download(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tab := newTab(t, s, TabOptions{})

	tab.Visit("/stay")
	content, name := tab.Download("#calendar")
	if got := string(content); got != ics {
		t.Errorf("Download() content = %q, want %q", got, ics)
	}
	if name != "respite-stay.ics" {
		t.Errorf("Download() filename = %q, want respite-stay.ics", name)
	}
	if got := tab.URL(); got != s.URL+"/stay" {
		t.Errorf("after the download, URL() = %q, want the same page", got)
	}
}

func TestTab_Screenshot(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tab := newTab(t, s, TabOptions{Width: MobileWidth, Height: MobileHeight})

	tab.Visit("/long")
	path := filepath.Join(t.TempDir(), "long.png")
	tab.Screenshot(path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding the screenshot: %v", err)
	}
	size := img.Bounds().Size()
	if size.X != MobileWidth || size.Y <= MobileHeight {
		t.Errorf("screenshot is %v, want %d wide and taller than the %d viewport (the full page)", size, MobileWidth, MobileHeight)
	}
}

func TestTab_FailureMessage(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tab := newTab(t, s, TabOptions{})
	tab.Visit("/form")

	tests := []struct {
		name   string
		action func()
		want   string
	}{
		{"no such field", func() { tab.Fill("Date of birth", "1 1 1950") }, `Fill("Date of birth", "1 1 1950"): nothing on the page matches`},
		{"radio by label", func() { tab.Choose("Yes") }, ""},
		{"ambiguous link", func() { tab.FollowLink("Help") }, `FollowLink("Help"): 2 elements match; use the element's id`},
		{"no such button", func() { tab.Submit("Pay now") }, `Submit("Pay now"): nothing on the page matches`},
		{"no such link", func() { tab.Click("a.missing") }, `Click("a.missing"): 0 elements match; want exactly 1`},
		{"radio as text field", func() { tab.Fill("night-help-no", "x") }, `Fill("night-help-no", "x"): nothing on the page matches`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fatalTB{TB: t}
			tab.t = f
			defer func() { tab.t = t }()
			done := make(chan struct{})
			go func() { // Fatalf ends this goroutine, as it ends a test's
				defer close(done)
				tt.action()
			}()
			<-done
			if tt.want == "" {
				if f.fatal != "" {
					t.Errorf("failed with %q, want no failure", f.fatal)
				}
				return
			}
			for _, want := range []string{tt.want, "page:   " + s.URL + "/form", "status: 200", `title:  "Book a break"`, "text:   Book a break Full name"} {
				if !strings.Contains(f.fatal, want) {
					t.Errorf("failure = %q, want it to contain %q", f.fatal, want)
				}
			}
		})
	}
}

// fatalTB records the failure of a tab and ends the goroutine, as
// testing.T's Fatalf does.
type fatalTB struct {
	testing.TB
	fatal  string
	errors []string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestStart starts a browser of the test's own, as a test that cannot share
// one would.
func TestStart(t *testing.T) {
	s := newServer(t)
	began := time.Now()
	b := Start(t, Options{})
	t.Logf("browser start: %v", time.Since(began).Round(time.Millisecond))
	tab := b.NewTab(t, TabOptions{BaseURL: s.URL})
	for i := range 3 {
		began = time.Now()
		tab.Visit("/form")
		t.Logf("page %d: %v", i+1, time.Since(began).Round(time.Millisecond))
	}
	tab.Audit() // with the default AxeSource
}

// fakeTB records how a test ended, without ending the real test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
}

func TestUnavailable(t *testing.T) {
	tests := []struct {
		require   string
		wantFatal bool
	}{
		{"", false},
		{"0", false},
		{"1", true},
	}
	for _, tt := range tests {
		t.Run("RESPITE_TEST_REQUIRE_SERVICES="+tt.require, func(t *testing.T) {
			t.Setenv("RESPITE_TEST_REQUIRE_SERVICES", tt.require)
			f := &fakeTB{TB: t}
			unavailable(f, fmt.Errorf("no chromium"))
			if gotFatal := f.fatal != ""; gotFatal != tt.wantFatal {
				t.Errorf("fatal = %q, skipped = %q; want fatal %v", f.fatal, f.skipped, tt.wantFatal)
			}
			if msg := f.fatal + f.skipped; !strings.Contains(msg, "no chromium") || !strings.Contains(msg, "RESPITE_CHROMIUM") {
				t.Errorf("message = %q, want the cause and the way to fix it", msg)
			}
		})
	}
}

func TestFindChromium(t *testing.T) {
	t.Setenv("RESPITE_CHROMIUM", filepath.Join(t.TempDir(), "no-such-chromium"))
	if path, err := findChromium(""); err == nil {
		t.Errorf("findChromium with a missing RESPITE_CHROMIUM = %q, want an error", path)
	}
	if _, err := findChromium("sh"); err != nil {
		t.Errorf(`findChromium("sh") error: %v; Options.ExecPath wins over RESPITE_CHROMIUM`, err)
	}
}

func TestXPathLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Continue`, `"Continue"`},
		{`Say "yes"`, `'Say "yes"'`},
		{`It's "it"`, `concat("It's ", '"', "it", '"', "")`},
	}
	for _, tt := range tests {
		if got := xpathLiteral(tt.in); got != tt.want {
			t.Errorf("xpathLiteral(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestFormatViolations(t *testing.T) {
	nodes := make([]ViolationNode, 7)
	for i := range nodes {
		nodes[i] = ViolationNode{Target: []string{fmt.Sprintf("#f%d", i)}, HTML: "<input " + strings.Repeat("x", 300) + ">"}
	}
	got := FormatViolations([]Violation{{ID: "label", Impact: "critical", Help: "Form elements must have labels", HelpURL: "https://example.org/label", Nodes: nodes}})
	for _, want := range []string{"- label (critical): Form elements must have labels\n", "#f4: <input", "… and 2 more"} {
		if !strings.Contains(got, want) {
			t.Errorf("FormatViolations() = %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "#f5") || strings.Contains(got, strings.Repeat("x", 201)) {
		t.Errorf("FormatViolations() = %q, want at most 5 nodes and 200-character snippets", got)
	}
}
