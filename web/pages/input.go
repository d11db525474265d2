package pages

import (
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/plaintext"
)

// checkText refuses a page request whose form or address carries text that
// package plaintext's rule refuses (a NUL, another control character, a
// line break in a one-line box, bytes that are not UTF-8), before any
// handler reads it, as the API does for its requests. No browser sends such
// text from a form a person typed in, so it gets the error page (422)
// naming the box, rather than the form again: nothing was changed, and
// going back shows the form as it was.
func checkText(c *fiber.Ctx) error {
	var bad []string // "the “staff notes” box holds …"
	check := func(k, v []byte, where string) {
		name := string(k)
		if problem := plaintext.Problem(name, false); problem != "" {
			bad = append(bad, "the name of a "+where+" "+problem)
			return
		}
		if problem := plaintext.Problem(string(v), plaintext.MultiLine(name)); problem != "" {
			bad = append(bad, "the “"+strings.ReplaceAll(name, "-", " ")+"” "+where+" "+problem)
		}
	}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { check(k, v, "part of the address") })
	if c.Method() == fiber.MethodPost {
		c.Request().PostArgs().VisitAll(func(k, v []byte) { check(k, v, "box") })
		// c.FormValue reads multipart forms too, though no page sends one.
		if mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); mediaType == fiber.MIMEMultipartForm {
			if form, err := c.MultipartForm(); err == nil {
				for k, vs := range form.Value {
					for _, v := range vs {
						check([]byte(k), []byte(v), "box")
					}
				}
			}
		}
	}
	if len(bad) == 0 {
		return c.Next()
	}
	// The error page shows the message only, so it names the box itself.
	return apperr.New(apperr.Invalid, "Nothing was changed: "+strings.Join(bad, "; ")+". Go back, remove it, and try again.")
}
