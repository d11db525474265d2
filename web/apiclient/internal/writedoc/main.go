// Command writedoc writes the service's OpenAPI document to the file it is
// given, for `go generate ./web/apiclient` to make the client from. It takes
// the document from package web directly, so no server or database is
// needed to regenerate the client.
package main

import (
	"fmt"
	"os"

	"github.com/respite-uk/respite/web"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: writedoc FILE")
		os.Exit(2)
	}
	doc, err := web.OpenAPIDocument()
	if err == nil {
		err = os.WriteFile(os.Args[1], doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "writedoc:", err)
		os.Exit(1)
	}
}
