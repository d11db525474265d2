// Package browsertest drives a real Chromium from Go tests, so that page tests
// can read like a journey: visit a page, fill in a form, press a button, and
// see the page it leads to. Each tab runs with JavaScript off by default,
// because every journey must work as plain HTML forms, and each page a test
// reaches can be audited with axe-core for WCAG 2.2 A and AA.
//
// A test starts a browser with [Start] (one per test) or [Shared] (one per
// test binary), then opens a [Tab] for itself with [Browser.NewTab]. Each tab
// has its own cookie jar, so tests that share a browser do not share a
// session, and they may run in parallel.
//
// When Chromium cannot be found or started, the test is skipped, unless
// RESPITE_TEST_REQUIRE_SERVICES=1, as in CI: then it fails.
//
// A journey, with every page it reaches audited:
//
//	tab := browsertest.Shared(t, browsertest.Options{}).NewTab(t, browsertest.TabOptions{
//		BaseURL:        srv.URL,
//		AuditEveryPage: true,
//	})
//	tab.Visit("/carers/margaret/book")
//	tab.Fill("Day", "30")
//	tab.Choose("nights-3")
//	tab.Submit("Continue")
//	if got := tab.Title(); got != "Break booked - Respite" { … }
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/respite-uk/respite/web/assets/axetest"
)

// The viewports that page tests use: a small desktop, and the narrowest phone
// that WCAG's reflow criterion (1.4.10) asks pages to work on.
const (
	DesktopWidth  = 1024
	DesktopHeight = 768
	MobileWidth   = 320
	MobileHeight  = 568
)

// DefaultTimeout bounds each action of a tab, such as one page load or one
// audit, when TabOptions.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// startTimeout bounds the start of Chromium and the opening of a tab. The
// first call binds the life of the browser to its context, so it cannot carry
// a deadline itself; a watchdog cancels it instead.
const startTimeout = 60 * time.Second

// axeTags are the axe-core rule tags for WCAG 2.0, 2.1 and 2.2, levels A and
// AA. axe has no wcag22a tag: WCAG 2.2 added no level A rule that axe checks.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// Options configure a browser.
type Options struct {
	// AxeSource is the text of axe-core's axe.min.js, for Tab.Audit and
	// Tab.Violations. Empty means the copy that the repository pins,
	// axetest.Source().
	AxeSource string
	// ExecPath is the Chromium binary. When it is empty, the browser is the
	// file that RESPITE_CHROMIUM names, else /usr/bin/chromium, else chromium
	// or chromium-browser on PATH.
	ExecPath string
}

// Browser is one headless Chromium process.
type Browser struct {
	opts   Options
	ctx    context.Context
	cancel func()
}

// Start starts a headless Chromium for the test and stops it when the test
// ends. A start takes a few seconds, so a package with many browser tests
// should use Shared instead.
func Start(t testing.TB, opts Options) *Browser {
	t.Helper()
	path, err := findChromium(opts.ExecPath)
	if err != nil {
		unavailable(t, err)
	}
	opts.ExecPath = path
	began := time.Now()
	b, err := start(opts)
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(b.close)
	t.Logf("browsertest: started %s in %v", path, time.Since(began).Round(time.Millisecond))
	return b
}

var shared struct {
	sync.Mutex
	browser *Browser
	err     error
}

// Shared returns the browser that all the tests of the binary share, starting
// it on the first call; the options of the first call win. Each test still
// gets its own tab and cookies from NewTab. Stop the browser with CloseShared
// from TestMain:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		browsertest.CloseShared()
//		os.Exit(code)
//	}
//
// Without CloseShared, Chromium still dies with the test binary, but it leaves
// its temporary profile directory behind.
func Shared(t testing.TB, opts Options) *Browser {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.browser == nil && shared.err == nil {
		began := time.Now()
		var path string
		path, shared.err = findChromium(opts.ExecPath)
		if shared.err == nil {
			opts.ExecPath = path
			shared.browser, shared.err = start(opts)
		}
		if shared.err == nil {
			t.Logf("browsertest: started the shared browser %s in %v", path, time.Since(began).Round(time.Millisecond))
		}
	}
	if shared.err != nil {
		unavailable(t, shared.err)
	}
	return shared.browser
}

// CloseShared stops the browser that Shared started, if any.
func CloseShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.browser != nil {
		shared.browser.close()
		shared.browser = nil
	}
}

// unavailable skips the test, or fails it when the environment says that the
// services a test needs must be there (CI).
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("RESPITE_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatalf("browsertest: Chromium is required (RESPITE_TEST_REQUIRE_SERVICES=1) but unavailable: %v\n"+
			"Install it with `apt-get install -y chromium`, or set RESPITE_CHROMIUM to its path.", err)
	}
	t.Skipf("browsertest: skipping, Chromium is unavailable: %v "+
		"(install it with `apt-get install -y chromium` or set RESPITE_CHROMIUM; "+
		"RESPITE_TEST_REQUIRE_SERVICES=1 makes this a failure)", err)
}

// findChromium returns the path of the Chromium binary to run.
func findChromium(execPath string) (string, error) {
	if execPath == "" {
		execPath = os.Getenv("RESPITE_CHROMIUM")
	}
	if execPath != "" {
		path, err := exec.LookPath(execPath)
		if err != nil {
			return "", fmt.Errorf("%q (from Options.ExecPath or RESPITE_CHROMIUM): %w", execPath, err)
		}
		return path, nil
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("found none of /usr/bin/chromium, chromium or chromium-browser on PATH")
}

// start runs Chromium headless and waits until it answers.
func start(opts Options) (*Browser, error) {
	if opts.AxeSource == "" {
		opts.AxeSource = axetest.Source()
	}
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(opts.ExecPath),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "en-GB"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &Browser{opts: opts, ctx: ctx, cancel: func() { cancelCtx(); cancelAlloc() }}
	if err := withWatchdog(ctx, b.cancel, func() error { return chromedp.Do(ctx) }); err != nil {
		b.cancel()
		return nil, fmt.Errorf("starting %s: %w", opts.ExecPath, err)
	}
	return b, nil
}

// withWatchdog runs f, and cancels (through cancel) what f waits for when it
// takes longer than startTimeout.
func withWatchdog(ctx context.Context, cancel func(), f func() error) error {
	timer := time.AfterFunc(startTimeout, cancel)
	err := f()
	if !timer.Stop() {
		return fmt.Errorf("no answer within %v: %w", startTimeout, err)
	}
	return err
}

func (b *Browser) close() { b.cancel() }

// TabOptions configure a tab. The zero value is a desktop tab with JavaScript
// off and no base URL.
type TabOptions struct {
	// BaseURL is joined with the relative paths given to Visit, such as the
	// URL of an httptest.Server.
	BaseURL string
	// Width and Height are the viewport in CSS pixels: DesktopWidth by
	// DesktopHeight when zero. Use MobileWidth and MobileHeight for a phone.
	Width, Height int
	// JavaScript turns the page's scripts on. Journeys leave it off, because
	// every journey must work without JavaScript.
	JavaScript bool
	// AuditEveryPage makes every action that loads a page (Visit, Submit,
	// FollowLink, Click) audit the page it reaches, as Audit does.
	AuditEveryPage bool
	// Audited, when set, is told the address of every page Audit passes,
	// so a suite can check that every page was audited somewhere.
	Audited func(url string)
	// Timeout bounds each action; DefaultTimeout when zero.
	Timeout time.Duration
}

// Tab is one browser tab, with its own cookies, that belongs to one test. Its
// methods fail that test, with the page's URL, status and text, when they
// cannot do what they say; call them from the test's goroutine only.
type Tab struct {
	t         testing.TB
	b         *Browser
	ctx       context.Context
	opts      TabOptions
	base      *url.URL
	status    int
	scriptsOn bool
}

// NewTab opens a tab for the test and closes it when the test ends. The tab
// has a cookie jar of its own (an incognito-like browser context), the
// viewport of opts, and JavaScript off unless opts.JavaScript.
func (b *Browser) NewTab(t testing.TB, opts TabOptions) *Tab {
	t.Helper()
	if opts.Width == 0 {
		opts.Width = DesktopWidth
	}
	if opts.Height == 0 {
		opts.Height = DesktopHeight
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	tab := &Tab{t: t, b: b, opts: opts, scriptsOn: opts.JavaScript}
	if opts.BaseURL != "" {
		base, err := url.Parse(opts.BaseURL)
		if err != nil {
			t.Fatalf("browsertest: TabOptions.BaseURL: %v", err)
		}
		tab.base = base
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tab.ctx = ctx
	if err := withWatchdog(ctx, cancel, func() error { return chromedp.Do(ctx) }); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	err := tab.do(
		chromedp.EmulateViewport(int64(opts.Width), int64(opts.Height)),
		setScripts(opts.JavaScript),
	)
	if err != nil {
		t.Fatalf("browsertest: setting up the tab: %v", err)
	}
	return tab
}

// setScripts turns the page's scripts on or off. The setting lasts across
// navigations.
func setScripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	})
}

// Context returns the chromedp context of the tab, for what the Tab's methods
// do not cover. Bound each call with context.WithTimeout.
func (tab *Tab) Context() context.Context { return tab.ctx }

// do runs actions with the tab's timeout.
func (tab *Tab) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.opts.Timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// run runs one action with the tab's timeout and returns its value.
func run[T any](tab *Tab, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.opts.Timeout)
	defer cancel()
	return chromedp.Run(ctx, action)
}

// fatalf fails the test with the message and where the tab is.
func (tab *Tab) fatalf(format string, args ...any) {
	tab.t.Helper()
	tab.t.Fatalf("browsertest: %s\n%s", fmt.Sprintf(format, args...), tab.where())
}

// where describes the page that the tab shows, for a failure message. It
// bounds its own calls tightly, since the tab may be stuck.
func (tab *Tab) where() string {
	ctx, cancel := context.WithTimeout(tab.ctx, 3*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	title, _ := chromedp.Run(ctx, chromedp.Title())
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		text = "(unreadable: " + err.Error() + ")"
	}
	return fmt.Sprintf("  page:   %s\n  status: %d\n  title:  %q\n  text:   %s",
		loc, tab.status, title, truncate(strings.Join(strings.Fields(text), " "), 600))
}

// resolve turns a path into a URL against the tab's base URL.
func (tab *Tab) resolve(path string) string {
	tab.t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		tab.t.Fatalf("browsertest: Visit(%q): %v", path, err)
	}
	if u.IsAbs() {
		return u.String()
	}
	if tab.base == nil {
		tab.t.Fatalf("browsertest: Visit(%q): a relative path needs TabOptions.BaseURL", path)
	}
	return tab.base.ResolveReference(u).String()
}

// loaded records the page that an action reached, and audits it when the tab
// audits every page.
func (tab *Tab) loaded(what string, status int64, began time.Time) int {
	tab.t.Helper()
	tab.status = int(status)
	loc, _ := run(tab, chromedp.Location())
	tab.t.Logf("browsertest: %s → %d %s (%v)", what, tab.status, loc, time.Since(began).Round(time.Millisecond))
	if tab.opts.AuditEveryPage {
		tab.Audit()
	}
	return tab.status
}

// Visit loads the page at path, which is relative to TabOptions.BaseURL or
// absolute, and returns its HTTP status. A status of 400 or more is not a
// failure: check it, or Status, when it matters.
func (tab *Tab) Visit(path string) int {
	tab.t.Helper()
	target := tab.resolve(path)
	began := time.Now()
	resp, err := run(tab, chromedp.NavigateResponse(target))
	if err != nil {
		tab.fatalf("Visit(%q): loading %s: %v", path, target, err)
	}
	var status int64
	if resp != nil {
		status = resp.Status
	}
	return tab.loaded("visit "+path, status, began)
}

// find returns the one element that the XPath expression matches, or fails
// the test with what.
func (tab *Tab) find(what, xpath string) *chromedp.Node {
	tab.t.Helper()
	nodes, err := run(tab, chromedp.Nodes(chromedp.Search(xpath), chromedp.AtLeast(0)))
	if err != nil {
		tab.fatalf("%s: %v", what, err)
	}
	switch len(nodes) {
	case 0:
		tab.fatalf("%s: nothing on the page matches", what)
	case 1:
	default:
		tab.fatalf("%s: %d elements match; use the element's id", what, len(nodes))
	}
	return nodes[0]
}

// findControl returns the one form control of the kind whose id, or whose
// label's text, is name.
func (tab *Tab) findControl(what, kind, name string) *chromedp.Node {
	tab.t.Helper()
	lit := xpathLiteral(name)
	xpath := fmt.Sprintf(`//*[%s and (@id=%s or @id=//label[normalize-space()=%s]/@for)]`, kind, lit, lit)
	return tab.find(what, xpath)
}

const (
	textControl = `(self::input[not(@type="radio" or @type="checkbox" or @type="submit" or @type="button" or @type="hidden")] or self::textarea or self::select)`
	radio       = `self::input[@type="radio"]`
	checkbox    = `self::input[@type="checkbox"]`
)

// Fill types value into the text field, or picks the option of the select,
// whose id or label text is field. It replaces what the field held.
func (tab *Tab) Fill(field, value string) {
	tab.t.Helper()
	what := fmt.Sprintf("Fill(%q, %q)", field, value)
	node := tab.findControl(what, textControl, field)
	ids := chromedp.NodeIDs{node.NodeID}
	var err error
	if node.NodeName == "SELECT" {
		err = tab.do(setValue(ids, value))
	} else {
		// Typing, not setting the value, catches a field that is disabled,
		// read-only or too short, as a person would.
		err = tab.do(setValue(ids, ""))
		if err == nil && value != "" {
			err = tab.do(chromedp.SendKeys(ids, value))
		}
	}
	if err != nil {
		tab.fatalf("%s: %v", what, err)
	}
	got, err := run(tab, chromedp.Value(ids))
	if err != nil {
		tab.fatalf("%s: reading the value back: %v", what, err)
	}
	if got != value {
		tab.fatalf("%s: the field holds %q (disabled, read-only, too long, or no such option?)", what, got)
	}
}

// setValue sets the value of the form control, as chromedp.SetValue does.
// chromedp.SetValue cannot set "": it passes the value as an argument of the
// call, and cdproto leaves an empty string out of the arguments (omitempty), so
// the page gets undefined. The value goes into the function's text instead.
func setValue(ids chromedp.NodeIDs, value string) chromedp.Action[chromedp.Void] {
	fn := `function() {
  this.value = ` + mustJSON(value) + `;
  this.dispatchEvent(new Event('input', {bubbles: true}));
  this.dispatchEvent(new Event('change', {bubbles: true}));
}`
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		obj, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{NodeID: ids[0]})
		if err != nil {
			return err
		}
		defer cdp.Call(ctx, t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: obj.Object.ObjectID})
		_, err = chromedp.CallFunctionOn[chromedp.Void](fn, func(p *runtime.CallFunctionOnParams) {
			p.ObjectID = obj.Object.ObjectID
		})(ctx, t)
		return err
	})
}

// Choose selects the radio button whose id or label text is option. Radios
// share labels such as "Yes" across questions, so prefer the id.
func (tab *Tab) Choose(option string) {
	tab.t.Helper()
	tab.setChecked(fmt.Sprintf("Choose(%q)", option), radio, option, true)
}

// Check ticks the checkbox whose id or label text is box, unless it is ticked.
func (tab *Tab) Check(box string) {
	tab.t.Helper()
	tab.setChecked(fmt.Sprintf("Check(%q)", box), checkbox, box, true)
}

// Uncheck clears the checkbox whose id or label text is box, if it is ticked.
func (tab *Tab) Uncheck(box string) {
	tab.t.Helper()
	tab.setChecked(fmt.Sprintf("Uncheck(%q)", box), checkbox, box, false)
}

// setChecked clicks the control, as a person would, when its state is not
// want, and then checks that it is.
func (tab *Tab) setChecked(what, kind, name string, want bool) {
	tab.t.Helper()
	ids := chromedp.NodeIDs{tab.findControl(what, kind, name).NodeID}
	checked, err := run(tab, chromedp.JavascriptAttribute[bool](ids, "checked"))
	if err != nil {
		tab.fatalf("%s: %v", what, err)
	}
	if checked != want {
		if err := tab.do(chromedp.Click(ids)); err != nil {
			tab.fatalf("%s: clicking: %v", what, err)
		}
	}
	checked, err = run(tab, chromedp.JavascriptAttribute[bool](ids, "checked"))
	if err != nil {
		tab.fatalf("%s: %v", what, err)
	}
	if checked != want {
		tab.fatalf("%s: a click did not change it (disabled, or covered by another element?)", what)
	}
}

// Submit presses the button whose text is button and waits for the page that
// the form leads to, after any redirect (post/redirect/get). It returns the
// HTTP status of that page.
func (tab *Tab) Submit(button string) int {
	tab.t.Helper()
	lit := xpathLiteral(button)
	what := fmt.Sprintf("Submit(%q)", button)
	node := tab.find(what, fmt.Sprintf(
		`//button[normalize-space()=%s] | //input[(@type="submit" or @type="button") and @value=%s]`, lit, lit))
	return tab.clickAndWait(what, chromedp.NodeIDs{node.NodeID})
}

// FollowLink clicks the link whose text is link and waits for the page that it
// leads to. It returns the HTTP status of that page.
func (tab *Tab) FollowLink(link string) int {
	tab.t.Helper()
	what := fmt.Sprintf("FollowLink(%q)", link)
	node := tab.find(what, fmt.Sprintf(`//a[normalize-space()=%s]`, xpathLiteral(link)))
	return tab.clickAndWait(what, chromedp.NodeIDs{node.NodeID})
}

// Click clicks the one element that the CSS selector matches, such as a link
// or a button, and waits for the page that it leads to. It returns the HTTP
// status of that page.
func (tab *Tab) Click(selector string) int {
	tab.t.Helper()
	what := fmt.Sprintf("Click(%q)", selector)
	return tab.clickAndWait(what, tab.findCSS(what, selector))
}

// findCSS returns the one element that the CSS selector matches.
func (tab *Tab) findCSS(what, selector string) chromedp.NodeIDs {
	tab.t.Helper()
	nodes, err := run(tab, chromedp.Nodes(chromedp.CSSAll(selector), chromedp.AtLeast(0)))
	if err != nil {
		tab.fatalf("%s: %v", what, err)
	}
	if len(nodes) != 1 {
		tab.fatalf("%s: %d elements match; want exactly 1", what, len(nodes))
	}
	return chromedp.NodeIDs{nodes[0].NodeID}
}

// clickAndWait clicks and waits for the main frame's next document. The status
// comes from the network events of that navigation, so after a redirect it is
// the status of the page that the redirect led to.
func (tab *Tab) clickAndWait(what string, ids chromedp.NodeIDs) int {
	tab.t.Helper()
	began := time.Now()
	resp, err := func() (*network.Response, error) {
		ctx, cancel := context.WithTimeout(tab.ctx, tab.opts.Timeout)
		defer cancel()
		return chromedp.RunResponse(ctx, chromedp.Click(ids))
	}()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			tab.fatalf("%s: no page loaded within %v of the click", what, tab.opts.Timeout)
		}
		tab.fatalf("%s: %v", what, err)
	}
	var status int64
	if resp != nil {
		status = resp.Status
	}
	return tab.loaded(strings.ToLower(what[:1])+what[1:], status, began)
}

// Status returns the HTTP status of the page that the tab shows: the last
// main-frame document response, after any redirect. It is 0 before the first
// page.
func (tab *Tab) Status() int { return tab.status }

// Text returns the visible text of the page's body, as innerText gives it.
func (tab *Tab) Text() string {
	tab.t.Helper()
	text, err := run(tab, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		tab.fatalf("Text(): %v", err)
	}
	return text
}

// Title returns the page's title.
func (tab *Tab) Title() string {
	tab.t.Helper()
	title, err := run(tab, chromedp.Title())
	if err != nil {
		tab.fatalf("Title(): %v", err)
	}
	return title
}

// URL returns the URL of the page that the tab shows.
func (tab *Tab) URL() string {
	tab.t.Helper()
	loc, err := run(tab, chromedp.Location())
	if err != nil {
		tab.fatalf("URL(): %v", err)
	}
	return loc
}

// HTML returns the page's DOM as HTML.
func (tab *Tab) HTML() string {
	tab.t.Helper()
	html, err := run(tab, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		tab.fatalf("HTML(): %v", err)
	}
	return html
}

// Screenshot writes a PNG of the whole page, beyond the viewport, to path.
func (tab *Tab) Screenshot(path string) {
	tab.t.Helper()
	png, err := run(tab, chromedp.FullScreenshot(100)) // 100 gives a PNG; less, a JPEG
	if err != nil {
		tab.fatalf("Screenshot(%q): %v", path, err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatalf("browsertest: Screenshot(%q): %v", path, err)
	}
}

// Download clicks the one link that the CSS selector matches, lets the browser
// download the file it leads to, and returns the file's bytes and the name
// that the browser gave it (from Content-Disposition, else from the URL). The
// page that the tab shows does not change.
func (tab *Tab) Download(selector string) (content []byte, filename string) {
	tab.t.Helper()
	what := fmt.Sprintf("Download(%q)", selector)
	ids := tab.findCSS(what, selector)
	dir := tab.t.TempDir()
	ctx, cancel := context.WithTimeout(tab.ctx, tab.opts.Timeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName, // the file is named by its GUID
		BrowserContextID: chromedp.FromContext(tab.ctx).BrowserContextID,
		DownloadPath:     dir,
		EventsEnabled:    new(true),
	})
	if err != nil {
		tab.fatalf("%s: allowing downloads: %v", what, err)
	}
	// Subscribe before the click, so that no event is missed.
	begins := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(ids)); err != nil {
		tab.fatalf("%s: clicking: %v", what, err)
	}
	// Other tabs of a shared browser may download too; the frame tells ours
	// apart, since a tab's main frame has the id of its target.
	frame := chromedp.FromContext(tab.ctx).Target.TargetID
	begin, err := first(begins, func(ev browser.EventDownloadWillBegin) bool { return string(ev.FrameID) == string(frame) })
	if err != nil {
		tab.fatalf("%s: no download began: %v", what, err)
	}
	done, err := first(progress, func(ev browser.EventDownloadProgress) bool {
		return ev.GUID == begin.GUID && ev.State != browser.DownloadProgressStateInProgress
	})
	if err != nil {
		tab.fatalf("%s: the download of %s did not finish: %v", what, begin.URL, err)
	}
	if done.State != browser.DownloadProgressStateCompleted {
		tab.fatalf("%s: the download of %s ended %s", what, begin.URL, done.State)
	}
	content, err = os.ReadFile(filepath.Join(dir, begin.GUID))
	if err != nil {
		tab.fatalf("%s: %v", what, err)
	}
	tab.t.Logf("browsertest: download %s → %s, %d bytes", begin.URL, begin.SuggestedFilename, len(content))
	return content, begin.SuggestedFilename
}

// first returns the first event of seq for which match is true.
func first[E any](seq iter.Seq2[E, error], match func(E) bool) (E, error) {
	for ev, err := range seq {
		if err != nil {
			return ev, err
		}
		if match(ev) {
			return ev, nil
		}
	}
	var zero E
	return zero, errors.New("the events ended")
}

// Violation is one axe-core rule that the page breaks.
type Violation struct {
	ID      string          `json:"id"`     // the rule, such as "label"
	Impact  string          `json:"impact"` // minor, moderate, serious or critical
	Help    string          `json:"help"`
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	Target         []string `json:"target"` // CSS selectors of the element
	HTML           string   `json:"html"`
	FailureSummary string   `json:"failureSummary"`
}

// axeRun runs axe on the document as it is and keeps only what a failure
// message needs. A target inside an iframe or shadow root is a list of
// selectors, joined here.
var axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ` + mustJSON(axeTags) + `}})
  .then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
      html: n.html, failureSummary: n.failureSummary || ''
    }))
  })))`

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Violations runs axe-core on the page as the journey reached it, without
// reloading it, for the rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, and
// returns what it found. axe needs scripts, so a tab with JavaScript off turns
// them on for the audit only: no script of the page runs, because the page was
// parsed with scripts off. DevTools' evaluation is not subject to the page's
// content security policy, so a strict CSP does not stop the audit.
func (tab *Tab) Violations() ([]Violation, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.opts.Timeout)
	defer cancel()
	if !tab.scriptsOn {
		if err := chromedp.Do(ctx, setScripts(true)); err != nil {
			return nil, fmt.Errorf("turning scripts on: %w", err)
		}
		defer func() {
			// A fresh context: the audit's may have run out.
			ctx, cancel := context.WithTimeout(tab.ctx, tab.opts.Timeout)
			defer cancel()
			if err := chromedp.Do(ctx, setScripts(false)); err != nil {
				tab.t.Errorf("browsertest: turning scripts off after the audit: %v", err)
			}
		}()
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, fmt.Errorf("looking for axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](tab.b.opts.AxeSource)); err != nil {
			return nil, fmt.Errorf("loading axe: %w", err)
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe: %w", err)
	}
	var violations []Violation
	if err := json.Unmarshal(raw, &violations); err != nil {
		return nil, fmt.Errorf("decoding axe's result: %w", err)
	}
	return violations, nil
}

// Audit fails the test, listing each violation, when axe-core finds any WCAG
// 2.2 A or AA violation on the page as the journey reached it. The journey
// goes on after a violation, so that one run reports every page's.
func (tab *Tab) Audit() {
	tab.t.Helper()
	began := time.Now()
	violations, err := tab.Violations()
	if err != nil {
		tab.fatalf("Audit(): %v", err)
	}
	loc, _ := run(tab, chromedp.Location())
	tab.t.Logf("browsertest: audit %s: %d violations (%v)", loc, len(violations), time.Since(began).Round(time.Millisecond))
	if len(violations) > 0 {
		tab.t.Errorf("browsertest: axe-core found %d WCAG violations on %s:\n%s", len(violations), loc, FormatViolations(violations))
	} else if tab.opts.Audited != nil {
		tab.opts.Audited(loc)
	}
}

// FormatViolations writes violations as a failure message: for each, the
// rule, its impact and help, and the first few elements that break it.
func FormatViolations(violations []Violation) string {
	const maxNodes = 5
	var b strings.Builder
	for _, v := range violations {
		fmt.Fprintf(&b, "- %s (%s): %s\n  %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == maxNodes {
				fmt.Fprintf(&b, "    … and %d more\n", len(v.Nodes)-maxNodes)
				break
			}
			fmt.Fprintf(&b, "    %s: %s\n", strings.Join(n.Target, ", "), truncate(n.HTML, 200))
			if n.FailureSummary != "" {
				fmt.Fprintf(&b, "      %s\n", truncate(strings.Join(strings.Fields(n.FailureSummary), " "), 300))
			}
		}
	}
	return b.String()
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// xpathLiteral quotes s as an XPath 1.0 string literal, which has no escapes.
func xpathLiteral(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	if !strings.Contains(s, `'`) {
		return `'` + s + `'`
	}
	parts := strings.Split(s, `"`)
	for i, p := range parts {
		parts[i] = `"` + p + `"`
	}
	return "concat(" + strings.Join(parts, `, '"', `) + ")"
}
