package web

import "github.com/gofiber/fiber/v2"

// noStore marks every API response Cache-Control: no-store, so no browser,
// proxy or shared cache keeps a copy. Nearly every answer carries personal
// data: a carer's details, a person's needs, who is in which home on which
// night, staff accounts, texts. The exception is the OpenAPI document,
// which is the same for everyone and says nothing about anyone. Marking
// all of them, errors included, is simpler to trust than deciding route by
// route, and nothing is lost: API clients do not reuse cached answers.
func noStore(c *fiber.Ctx) error {
	if c.Path() != "/api/v1/openapi.json" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}
