package loadtest

import (
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// PlaintextServer starts the smallest Fiber app there is, answering
// "Hello, World!" at /, on a loopback port of its own: the ceiling that
// Fiber, the loopback and this client reach on the machine, measured in the
// same run as Respite's figures so that they can be read against it. It
// returns the app's base URL and a function that stops it.
func PlaintextServer() (string, func(), error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("Hello, World!") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() { _ = app.Listener(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = app.ShutdownWithTimeout(5 * time.Second) }, nil
}
