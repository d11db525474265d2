package pages_test

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// pageAccess says who may use the pages under each path prefix; the
// longest prefix that matches decides. A page route with no rule fails
// TestPageAuthorization, so a new page cannot be added without saying who
// may use it.
var pageAccess = []struct {
	prefix string
	who    []string // "anyone", or the roles: carer, host, admin, duty, coordinator
}{
	{"/", []string{"anyone"}},
	{"/sign-in", []string{"anyone"}},
	{"/sign-out", []string{"anyone"}},
	{"/staff/sign-in", []string{"anyone"}},
	{"/home", []string{"carer"}},
	{"/stays", []string{"carer"}},
	{"/details", []string{"carer"}},
	{"/book", []string{"carer", "duty", "admin"}},
	{"/host", []string{"host"}},
	{"/hosts", []string{"coordinator", "admin"}},
	{"/staff", []string{"admin", "duty", "coordinator"}},
	{"/duty", []string{"duty"}},
	{"/bookings", []string{"duty", "admin"}},
	{"/homes", []string{"admin"}},
	{"/carers", []string{"admin"}},
	{"/beds", []string{"admin"}},
	{"/admin", []string{"admin"}},
	{"/reports", []string{"admin"}},
}

func accessFor(path string) ([]string, bool) {
	best, found := -1, false
	var who []string
	for _, a := range pageAccess {
		matches := path == a.prefix || (a.prefix != "/" && strings.HasPrefix(path, a.prefix+"/")) || (a.prefix == "/" && path == "/")
		if matches && len(a.prefix) > best {
			best, who, found = len(a.prefix), a.who, true
		}
	}
	return who, found
}

var routeParam = regexp.MustCompile(`:[a-z]+`)

// TestPageAuthorization tries every page route as everyone: nobody signed
// in, a carer, a host, and staff in each role. Each refusal is asserted:
// the signed-out are sent to sign in (or told they are signed out, for a
// form), and the signed-in get the 403 page; everyone allowed gets past the
// gate (a 404 for a made-up id is fine).
func TestPageAuthorization(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	roles := map[string]*browser{"anyone": newBrowser(t, s)}
	homes := map[string]string{"anyone": "/sign-in", "carer": "/home", "host": "/host", "admin": "/staff", "duty": "/staff", "coordinator": "/staff"}
	sign := func(name string, kind accounts.SubjectKind, id int64) {
		b := newBrowser(t, s)
		b.startSession(kind, id)
		roles[name] = b
	}
	sign("carer", accounts.SubjectCarer, s.helen.ID)
	sign("host", accounts.SubjectHost, s.ann.ID)
	sign("admin", accounts.SubjectStaff, s.admin.ID)
	sign("duty", accounts.SubjectStaff, s.duty.ID)
	sign("coordinator", accounts.SubjectStaff, s.coordinator.ID)
	tokens := map[string]string{}
	for name, b := range roles {
		m := csrfInput.FindStringSubmatch(b.get(homes[name]).body)
		if m == nil {
			t.Fatalf("no form token on %s's %s", name, homes[name])
		}
		tokens[name] = m[1]
	}

	routes := pageRoutes(t, s)
	allPageRoutes = routes // for checkEveryPageAudited, once every test has run
	if len(routes) < 30 {
		t.Fatalf("only %d page routes found: %v", len(routes), routes)
	}
	names := []string{"anyone", "carer", "host", "admin", "duty", "coordinator"}
	for _, r := range routes {
		who, ok := accessFor(r.path)
		if !ok {
			t.Errorf("%s %s has no rule in pageAccess: say who may use it", r.method, r.path)
			continue
		}
		if r.path == "/sign-out" {
			continue // anyone may; trying it would sign the others out
		}
		// An id nobody has: the gate answers before any lookup, and
		// nothing real is changed by the forms posted.
		path := routeParam.ReplaceAllString(r.path, "999999")
		for _, name := range names {
			allowed := contains(who, "anyone") || contains(who, name)
			var p page
			if r.method == "POST" {
				p = roles[name].do("POST", path, url.Values{"_csrf": {tokens[name]}})
			} else {
				p = roles[name].get(path)
			}
			refused := p.status == 401 || p.status == 403 || (p.status == 303 && strings.HasSuffix(p.location, "sign-in"))
			switch {
			case allowed && refused && !(r.path == "/sign-out" || strings.HasPrefix(r.path, "/sign-in") || strings.HasPrefix(r.path, "/staff/sign-in")):
				t.Errorf("%s %s as %s = %d %s: refused, but %s may use it", r.method, r.path, name, p.status, p.location, name)
			case !allowed && name == "anyone" && r.method == "GET" && !(p.status == 303 && strings.HasSuffix(p.location, "sign-in")):
				t.Errorf("%s %s signed out = %d %s, want sent to sign in", r.method, r.path, p.status, p.location)
			case !allowed && name == "anyone" && r.method == "POST" && p.status != 401:
				t.Errorf("%s %s signed out = %d, want 401", r.method, r.path, p.status)
			case !allowed && name != "anyone" && p.status != 403:
				t.Errorf("%s %s as %s = %d %s, want 403", r.method, r.path, name, p.status, p.location)
			}
		}
	}
}

type pageRoute struct{ method, path string }

// allPageRoutes are the page routes TestPageAuthorization found.
var allPageRoutes []pageRoute

// pageRoutes lists the service's page routes: everything but the API,
// webhooks, machine endpoints and static files.
func pageRoutes(t *testing.T, s *site) []pageRoute {
	seen := map[pageRoute]bool{}
	for _, r := range s.server.App().GetRoutes(true) {
		if r.Method != "GET" && r.Method != "POST" {
			continue
		}
		switch {
		case strings.HasPrefix(r.Path, "/api/"), strings.HasPrefix(r.Path, "/webhooks/"), strings.HasPrefix(r.Path, "/static/"),
			r.Path == "/healthz", r.Path == "/readyz", r.Path == "/metrics":
			continue
		}
		seen[pageRoute{r.Method, r.Path}] = true
	}
	out := make([]pageRoute, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].path+out[i].method < out[k].path+out[k].method })
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
