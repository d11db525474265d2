package web

import (
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
)

// A GET under /api/v1 may carry only the query parameters its operation
// documents (the operations table that builds the OpenAPI document). A
// parameter it does not know is a typo or a filter it does not have
// ("?referance=K7M-4QX", "?carer=12"); answering as if it were not there
// would hand back the whole list as if it were the answer. So such a
// request is refused with a 422 naming each unknown parameter, before any
// handler runs. The operations table is the one list of what each route
// takes, so a handler that reads a new parameter must document it first.

// queryRule is what one GET operation accepts.
type queryRule struct {
	segments []string // the path split on "/"; "{id}" matches any segment
	allowed  []string // the documented query parameters, in the document's order
}

// queryRules are the GET operations' rules, built once, after every
// init has added its operations.
var queryRules = sync.OnceValue(func() []queryRule {
	var rules []queryRule
	for _, op := range operations {
		if op.method != fiber.MethodGet {
			continue
		}
		r := queryRule{segments: strings.Split(op.path, "/")}
		for _, q := range op.query {
			r.allowed = append(r.allowed, q.name)
		}
		rules = append(rules, r)
	}
	return rules
})

// ruleFor finds the GET operation whose path matches path. Where more than
// one does, the one with more fixed segments wins, as the router's would.
func ruleFor(path string) (queryRule, bool) {
	segments := strings.Split(strings.TrimSuffix(path, "/"), "/")
	best, bestFixed := queryRule{}, -1
	for _, r := range queryRules() {
		if len(r.segments) != len(segments) {
			continue
		}
		fixed, ok := 0, true
		for i, s := range r.segments {
			switch {
			case strings.HasPrefix(s, "{"):
				ok = segments[i] != ""
			case strings.EqualFold(s, segments[i]):
				fixed++
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && fixed > bestFixed {
			best, bestFixed = r, fixed
		}
	}
	return best, bestFixed >= 0
}

// checkQueryParams refuses a GET carrying a query parameter its operation
// does not document, naming every one; anything else goes on as it was.
func checkQueryParams(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet {
		return c.Next()
	}
	rule, ok := ruleFor(c.Path())
	if !ok {
		return c.Next() // no such route: the router's 404 says so
	}
	var unknown []string
	for name := range c.Queries() {
		if !slices.Contains(rule.allowed, name) {
			unknown = append(unknown, strings.Clone(name))
		}
	}
	if len(unknown) == 0 {
		return c.Next()
	}
	slices.Sort(unknown)
	var f apperr.Fields
	for _, name := range unknown {
		if len(rule.allowed) == 0 {
			f.Add(name, "This takes no query parameters; leave %s out.", name)
		} else {
			f.Add(name, "This takes no query parameter %s; it takes %s.", name, strings.Join(rule.allowed, ", "))
		}
	}
	return f.Err()
}
