package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/plaintext"
)

// maxJSONDepth is how deeply a request body may nest objects and lists. The
// API's bodies nest three levels at most; this is generous, and stops a
// body of a million "[" long before encoding/json's own limit of 10,000.
const maxJSONDepth = 32

// textHeaders are the request headers a handler keeps as text (in the
// database), so they meet the same rule as fields.
var textHeaders = []string{"Idempotency-Key"}

// checkText is middleware for the API: it refuses, before any handler
// runs, a request carrying text that package plaintext's rule refuses —
// in a query parameter, a header kept as text, or any string of a JSON
// body — with a 422 naming every such field. A JSON body nested too deeply
// gets a 400. Checking here, once, means no handler can forget to, and the
// database never sees a NUL or bytes that are not UTF-8. It runs before
// sign-in is checked, which is safe: a request it refuses reaches nothing.
func checkText(c *fiber.Ctx) error {
	var f apperr.Fields
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		name := string(k)
		if problem := plaintext.Problem(name, false); problem != "" {
			f.Add("query", "The name of a query parameter %s.", problem)
			return
		}
		if problem := plaintext.Problem(string(v), false); problem != "" {
			f.Add(name, "This %s. Remove it.", problem)
		}
	})
	for _, h := range textHeaders {
		if problem := plaintext.Problem(c.Get(h), false); problem != "" {
			f.Add(h, "This header %s. Remove it.", problem)
		}
	}
	if isJSON(c) {
		if err := checkJSONText(c.Body(), &f); err != nil {
			return err
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	return c.Next()
}

// isJSON reports whether the request says its body is JSON. Bodies of any
// other type are refused by decodeJSON with a 415, unread.
func isJSON(c *fiber.Ctx) bool {
	mediaType, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	return err == nil && mediaType == fiber.MIMEApplicationJSON
}

// jsonLevel is an object or list the walk in checkJSONText is inside.
type jsonLevel struct {
	list    bool
	key     string // in an object: the member being read
	index   int    // in a list: the item being read
	wantKey bool   // in an object: the next string is a member's name
}

// checkJSONText walks a JSON document token by token and adds a field
// error, named by the value's path ("place.kind", "ranges[1].starts_on"),
// for every string that is not acceptable text. Member names are checked
// too. It returns a 400 for nesting deeper than maxJSONDepth, and nothing
// for a body that is not JSON at all: decodeJSON then says what is wrong.
func checkJSONText(body []byte, f *apperr.Fields) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers are not checked here; don't pay to parse them
	var stack []jsonLevel
	// valueDone moves past a value: to the next item of a list, or to the
	// next member's name in an object.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.list {
			top.index++
		} else {
			top.wantKey = true
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // not JSON: decodeJSON answers 400
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) == maxJSONDepth {
					return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("The request body nests objects and lists more than %d deep.", maxJSONDepth))
				}
				stack = append(stack, jsonLevel{list: v == '[', wantKey: v == '{'})
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if top := len(stack) - 1; top >= 0 && stack[top].wantKey {
				if problem := plaintext.Problem(v, false); problem != "" {
					// The name itself cannot name the field: name the
					// object it is in.
					f.Add(jsonPath(stack[:top]), "The name of a field in this object %s.", problem)
					v = "?"
				}
				stack[top].key, stack[top].wantKey = v, false
				continue
			}
			name := jsonPath(stack)
			problem := plaintext.Problem(v, plaintext.MultiLine(name))
			if problem == "" {
				// encoding/json reads bytes that are not UTF-8 as U+FFFD
				// without a word; the raw token shows them.
				problem = plaintext.Problem(string(body[start:dec.InputOffset()]), true)
			}
			if problem != "" {
				f.Add(name, "This %s. Remove it.", problem)
			}
			valueDone()
		default: // numbers, true, false, null
			valueDone()
		}
	}
}

// jsonPath names the value the walk is at: "body" for the whole body.
func jsonPath(stack []jsonLevel) string {
	var b strings.Builder
	for _, l := range stack {
		if l.list {
			b.WriteString("[" + strconv.Itoa(l.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(l.key)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}
