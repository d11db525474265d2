package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/revision"
)

// Optimistic concurrency for carers, people, hosts, care homes and beds.
// A GET (and a PATCH) answers with the record's revision as its ETag; a
// PATCH that sends it back in If-Match changes the record only if nobody
// has changed it since, and otherwise answers 412 and changes nothing.
// Without If-Match a PATCH works as it always has.

// setETag sends the revision of a record last changed at updatedAt.
func setETag(c *fiber.Ctx, updatedAt time.Time) {
	c.Set(fiber.HeaderETag, `"`+revision.Of(updatedAt)+`"`)
}

// ifMatch reads the If-Match header as the revision a change was made to:
// "" when there is none, or it is "*" (any revision). A weak ETag (W/"…")
// counts as its revision. Anything that is not an ETag is refused, naming
// the header.
func ifMatch(c *fiber.Ctx) (string, error) {
	raw := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if raw == "" || raw == "*" {
		return "", nil
	}
	tag := strings.TrimPrefix(raw, "W/")
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' || strings.ContainsAny(tag[1:len(tag)-1], `", `) {
		return "", apperr.Invalidf("If-Match", "Send the ETag a GET of this record answered with, in double quotes, or leave If-Match out.")
	}
	return tag[1 : len(tag)-1], nil
}
