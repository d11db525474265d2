package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// OpenAPIDocument returns the OpenAPI document exactly as GET
// /api/v1/openapi.json serves it, for tools that work from the document
// without a server running: the Go client in web/apiclient is generated
// from it. It asks the handler itself rather than building the document a
// second way, so the client is made from what callers of the API are given.
func OpenAPIDocument() ([]byte, error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	// The document needs none of the services, so a Server without them
	// serves it as well as the real one does.
	if err := (&Server{}).showOpenAPI(c); err != nil {
		return nil, err
	}
	// The body belongs to the context, which goes back to Fiber's pool.
	return bytes.Clone(c.Response().Body()), nil
}
