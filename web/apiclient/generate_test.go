package apiclient_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/respite-uk/respite/web"
)

const regenerate = "run go generate ./web/apiclient and commit openapi.json and client.gen.go"

// TestGenerated checks that the committed client is what oapi-codegen (the
// version pinned in go.mod) makes of the document the service serves now.
// Without it the API could change and leave the client, and the proof that
// the document is a usable contract, behind.
func TestGenerated(t *testing.T) {
	doc := servedDocument(t)
	committedDoc, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committedDoc, doc) {
		t.Errorf("openapi.json is not the document the service serves now: %s", regenerate)
	}

	// Generate afresh in a directory of its own, with the committed
	// configuration, so the run is exactly what go generate does but writes
	// nothing here.
	dir := t.TempDir()
	config, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"openapi.json": doc, "oapi-codegen.yaml": config} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// go test puts the go command that runs it first on PATH. The tool is
	// built here, inside the module, so its version is the one in go.mod.
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build oapi-codegen: %v", err)
	}
	tool := filepath.Join(dir, "oapi-codegen")
	command(t, "", gocmd, "build", "-o", tool, "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen")
	command(t, dir, tool, "-config", "oapi-codegen.yaml", "openapi.json")

	fresh, err := os.ReadFile(filepath.Join(dir, "client.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, fresh) {
		t.Errorf("client.gen.go is not what the current document generates (%s); the first difference:\n%s", regenerate, firstDifference(committed, fresh))
	}
}

// servedDocument fetches GET /api/v1/openapi.json from the service, and
// checks it is what web.OpenAPIDocument gives go generate.
func servedDocument(t *testing.T) []byte {
	t.Helper()
	// The document needs no services, so a server without them serves it.
	srv, err := web.New(web.Deps{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.App().Test(httptest.NewRequest("GET", "/api/v1/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	served, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/openapi.json = %d %s", resp.StatusCode, served)
	}
	exported, err := web.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, exported) {
		t.Fatal("web.OpenAPIDocument is not the document GET /api/v1/openapi.json serves")
	}
	return served
}

// command runs name with args in dir, failing the test with its output if
// it fails.
func command(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
}

// firstDifference shows the first line where want and got differ, which is
// enough to see what changed without printing a 30,000-line file.
func firstDifference(want, got []byte) string {
	a, b := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  committed: %s\n  generated: %s", i+1, x, y)
		}
	}
	return "(none line by line)"
}
