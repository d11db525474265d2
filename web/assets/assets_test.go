package assets

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
)

// newApp mounts the handler the way the web package does.
func newApp(h fiber.Handler) *fiber.App {
	app := fiber.New()
	app.Get("/static/*", h)
	return app
}

// get requests target and returns the response with its body read.
func get(t *testing.T, app *fiber.App, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", target, err)
	}
	return resp, string(body)
}

// mustServe fetches target and fails unless it is served as an immutable asset.
func mustServe(t *testing.T, app *fiber.App, target string) (*http.Response, string) {
	t.Helper()
	resp, body := get(t, app, target)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", target, resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != cacheForever {
		t.Errorf("GET %s: Cache-Control %q, want %q", target, got, cacheForever)
	}
	return resp, body
}

// embeddedNames lists every file under static/.
func embeddedNames(t *testing.T) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(embedded, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, strings.TrimPrefix(p, "static/"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("nothing embedded under static/")
	}
	return names
}

var fingerprinted = regexp.MustCompile(`^/static/(.+)\.[0-9a-f]{10}(\.[a-z0-9]+)$`)

func TestPath_everyFileIsServed(t *testing.T) {
	app := newApp(Handler())
	for _, name := range embeddedNames(t) {
		t.Run(name, func(t *testing.T) {
			u := Path(name)
			m := fingerprinted.FindStringSubmatch(u)
			if m == nil || m[1]+m[2] != name {
				t.Fatalf("Path(%q) = %q, want /static/%s with a 10-digit hash before the extension", name, u, name)
			}
			resp, body := mustServe(t, app, u)
			if got, want := resp.Header.Get("Content-Type"), contentType(name); got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if want := string(std.byURL[u].body); body != want {
				t.Errorf("served %d bytes, want the %d bytes loaded", len(body), len(want))
			}
		})
	}
}

func TestPath_knownFiles(t *testing.T) {
	for _, name := range []string{"govuk/govuk-frontend.css", "govuk/govuk-frontend.min.js", "init.js", "govuk/LICENCE.txt"} {
		if u := Path(name); !strings.HasPrefix(u, Prefix) {
			t.Errorf("Path(%q) = %q, want it under %s", name, u, Prefix)
		}
	}
}

func TestPath_unknownPanics(t *testing.T) {
	for _, name := range []string{"nope.css", "/static/init.js", "static/init.js", ""} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Path(%q) did not panic", name)
				}
			}()
			Path(name)
		})
	}
}

func TestCSS_isForACouncil(t *testing.T) {
	app := newApp(Handler())
	_, css := mustServe(t, app, Path("govuk/govuk-frontend.css"))
	if strings.Contains(strings.ToLower(css), "gds transport") {
		t.Error("the CSS names the GDS Transport font, which is licensed for GOV.UK alone")
	}
	if strings.Contains(css, "@font-face") {
		t.Error("the CSS has an @font-face rule; we ship no fonts")
	}
	if !strings.Contains(css, "font-family:arial,sans-serif") {
		t.Error("the CSS does not set font-family:arial,sans-serif")
	}
	for _, m := range cssURL.FindAllStringSubmatch(css, -1) {
		u := strings.Trim(m[1], `"'`)
		if strings.HasPrefix(u, "data:") {
			continue
		}
		if fingerprinted.FindString(u) == "" {
			t.Errorf("the CSS refers to %s, which is not a fingerprinted asset URL", m[0])
			continue
		}
		mustServe(t, app, u)
	}
}

func TestInit_importsFingerprintedModule(t *testing.T) {
	app := newApp(Handler())
	resp, js := mustServe(t, app, Path("init.js"))
	if got, want := resp.Header.Get("Content-Type"), "text/javascript; charset=utf-8"; got != want {
		t.Errorf("init.js Content-Type %q, want %q", got, want)
	}
	imports := jsImport.FindAllStringSubmatch(js, -1)
	if len(imports) != 1 {
		t.Fatalf("init.js has %d imports, want 1:\n%s", len(imports), js)
	}
	got := strings.Trim(imports[0][2], `"'`)
	if want := Path("govuk/govuk-frontend.min.js"); got != want {
		t.Fatalf("init.js imports %q, want %q", got, want)
	}
	t.Logf("init.js is %s and imports %s", Path("init.js"), got)
	resp, lib := mustServe(t, app, got)
	if ct := resp.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("%s: Content-Type %q; browsers refuse modules without a JavaScript type", got, ct)
	}
	if !strings.Contains(lib, "initAll") {
		t.Errorf("%s does not export initAll", got)
	}
	if strings.Contains(lib, "sourceMappingURL") {
		t.Errorf("%s names a source map, which we do not ship", got)
	}
}

func TestHandler_notFound(t *testing.T) {
	app := newApp(Handler())
	css := Path("govuk/govuk-frontend.css")
	for _, target := range []string{
		"/static/init.js",                  // not fingerprinted
		"/static/govuk/govuk-frontend.css", // not fingerprinted
		"/static/govuk/govuk-frontend.0000000000.css",
		strings.ToUpper(css[:len(Prefix)]) + css[len(Prefix):],
		css + "x",
		"/static/",
		"/static/nope.js",
		"/static/../assets.go",
		"/static/%2e%2e/assets.go",
	} {
		t.Run(target, func(t *testing.T) {
			resp, _ := get(t, app, target)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
				t.Errorf("GET %s: a 404 is sent Cache-Control %q", target, cc)
			}
		})
	}
}

func TestHandler_conditional(t *testing.T) {
	app := newApp(Handler())
	u := Path("govuk/govuk-frontend.css")
	resp, _ := mustServe(t, app, u)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, body := get(t, app, u, "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match with the ETag: status %d and %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	resp, _ = get(t, app, u, "If-None-Match", `"other"`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match with another ETag: status %d, want 200", resp.StatusCode)
	}
}

func TestHandler_head(t *testing.T) {
	app := newApp(Handler())
	req := httptest.NewRequest(http.MethodHead, Path("init.js"), nil)
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD: status %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != cacheForever {
		t.Errorf("HEAD: Cache-Control %q, want %q", got, cacheForever)
	}
}

// The rules below are checked on made-up files: the committed ones exercise
// only a few of them.

func TestLoad_rewritesReferences(t *testing.T) {
	files := fstest.MapFS{
		"css/site.css": {Data: []byte(`a{background:url(/static/img/a.svg)}` +
			`b{background:url( "../img/b.png?v=1#x" )}` +
			`c{mask:url('img.svg#frag')}` +
			`d{background:url(data:image/png;base64,AAAA)}` +
			`e{background:url(https://example.org/e.png)}` +
			`f{behavior:url(#g)}` +
			`h{background:url(/elsewhere/h.png)}`)},
		"css/img.svg": {Data: []byte(`<svg/>`)},
		"img/a.svg":   {Data: []byte(`<svg id="a"/>`)},
		"img/b.png":   {Data: []byte("png")},
		"js/main.js": {Data: []byte(`import { x } from "./lib/x.js";` + "\n" +
			`export * from '../shared.mjs';` + "\n" +
			`import "/static/js/side.js";` + "\n" +
			`const y = await import( "./lib/y.js" );` + "\n" +
			`import z from "bare-name";` + "\n" +
			`const list = Array.from("abc");`)},
		"js/lib/x.js": {Data: []byte(`import "./y.js"; export const x = 1;`)},
		"js/lib/y.js": {Data: []byte(`export default 2;`)},
		"js/side.js":  {Data: []byte(`console.log(1)`)},
		"shared.mjs":  {Data: []byte(`export const s = 3;`)},
		"notes.txt":   {Data: []byte(`see url(/static/nowhere.png) and import "./nowhere.js"`)},
	}
	c, err := load(files)
	if err != nil {
		t.Fatal(err)
	}
	u := func(name string) string {
		t.Helper()
		v, ok := c.urls[name]
		if !ok {
			t.Fatalf("no URL for %s", name)
		}
		return v
	}
	body := func(name string) string { return string(c.byURL[u(name)].body) }

	wantCSS := `a{background:url(` + u("img/a.svg") + `)}` +
		`b{background:url( "` + u("img/b.png") + `?v=1#x" )}` +
		`c{mask:url('` + u("css/img.svg") + `#frag')}` +
		`d{background:url(data:image/png;base64,AAAA)}` +
		`e{background:url(https://example.org/e.png)}` +
		`f{behavior:url(#g)}` +
		`h{background:url(/elsewhere/h.png)}`
	if got := body("css/site.css"); got != wantCSS {
		t.Errorf("css/site.css:\n got %s\nwant %s", got, wantCSS)
	}
	wantJS := `import { x } from "` + u("js/lib/x.js") + `";` + "\n" +
		`export * from '` + u("shared.mjs") + `';` + "\n" +
		`import "` + u("js/side.js") + `";` + "\n" +
		`const y = await import( "` + u("js/lib/y.js") + `" );` + "\n" +
		`import z from "bare-name";` + "\n" +
		`const list = Array.from("abc");`
	if got := body("js/main.js"); got != wantJS {
		t.Errorf("js/main.js:\n got %s\nwant %s", got, wantJS)
	}
	if got, want := body("js/lib/x.js"), `import "`+u("js/lib/y.js")+`"; export const x = 1;`; got != want {
		t.Errorf("js/lib/x.js: got %s, want %s", got, want)
	}
	if got, want := body("notes.txt"), string(files["notes.txt"].Data); got != want {
		t.Errorf("notes.txt was rewritten: %s", got)
	}
}

func TestLoad_hashFollowsReferences(t *testing.T) {
	files := func(leaf string) fstest.MapFS {
		return fstest.MapFS{
			"a.js":     {Data: []byte(`import "./b.js";`)},
			"b.js":     {Data: []byte(`import "./c.js";`)},
			"c.js":     {Data: []byte(leaf)},
			"other.js": {Data: []byte(`1`)},
		}
	}
	before, err := load(files("1"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := load(files("2"))
	if err != nil {
		t.Fatal(err)
	}
	for name, wantChange := range map[string]bool{"a.js": true, "b.js": true, "c.js": true, "other.js": false} {
		if changed := before.urls[name] != after.urls[name]; changed != wantChange {
			t.Errorf("%s: URL changed = %v after c.js changed, want %v", name, changed, wantChange)
		}
	}
}

func TestLoad_errors(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"missing url() target": {"a.css": {Data: []byte(`a{background:url(/static/gone.svg)}`)}},
		"missing import":       {"a.js": {Data: []byte(`import "./gone.js";`)}},
		"outside static":       {"a.css": {Data: []byte(`a{background:url(../up.svg)}`)}},
		"outside via prefix":   {"a.js": {Data: []byte(`import "/static/../up.js";`)}},
		"cycle": {
			"a.js": {Data: []byte(`import "./b.js";`)},
			"b.js": {Data: []byte(`import "./a.js";`)},
		},
	}
	for name, files := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := load(files); err == nil {
				t.Error("load succeeded, want an error")
			}
		})
	}
	_, err := load(tests["missing import"])
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing import: error %v, want fs.ErrNotExist", err)
	}
}

func TestFingerprint(t *testing.T) {
	tests := map[string]string{
		"init.js":                     "init.abc.js",
		"govuk/govuk-frontend.min.js": "govuk/govuk-frontend.min.abc.js",
		"govuk/govuk-frontend.css":    "govuk/govuk-frontend.abc.css",
		"LICENCE":                     "LICENCE.abc",
	}
	for name, want := range tests {
		if got := fingerprint(name, "abc"); got != want {
			t.Errorf("fingerprint(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestContentType(t *testing.T) {
	tests := map[string]string{
		"a.css":       "text/css; charset=utf-8",
		"a.js":        "text/javascript; charset=utf-8",
		"a.mjs":       "text/javascript; charset=utf-8",
		"a.svg":       "image/svg+xml",
		"a.png":       "image/png",
		"LICENCE.txt": "text/plain; charset=utf-8",
		"a.unknown":   "application/octet-stream",
	}
	for name, want := range tests {
		if got := contentType(name); got != want {
			t.Errorf("contentType(%q) = %q, want %q", name, got, want)
		}
	}
}
