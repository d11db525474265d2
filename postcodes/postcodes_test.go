package postcodes_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/postcodes"
	"github.com/respite-uk/respite/postcodes/postcodestest"
)

var _ contact.Locator = (*postcodes.Client)(nil)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newClient(t *testing.T, base string, timeout time.Duration) *postcodes.Client {
	t.Helper()
	c, err := postcodes.New(base, postcodes.Options{Timeout: timeout, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClient_Locate(t *testing.T) {
	ctx := context.Background()

	t.Run("found", func(t *testing.T) {
		fake := postcodestest.New(t)
		fake.Add("LS1 4AP", 53.7997, -1.5492)
		lat, lon, found, err := newClient(t, fake.URL()+"/", 0).Locate(ctx, "LS1 4AP")
		if err != nil || !found || lat != 53.7997 || lon != -1.5492 {
			t.Errorf("Locate = %v, %v, %v, %v; want 53.7997, -1.5492, true, nil", lat, lon, found, err)
		}
		if diff := cmp.Diff([]string{"LS1 4AP"}, fake.Asked()); diff != "" {
			t.Errorf("asked (-want +got):\n%s", diff)
		}
	})

	t.Run("not found is no error", func(t *testing.T) {
		fake := postcodestest.New(t)
		lat, lon, found, err := newClient(t, fake.URL(), 0).Locate(ctx, "ZZ9 9ZZ")
		if err != nil || found || lat != 0 || lon != 0 {
			t.Errorf("Locate = %v, %v, %v, %v; want not found", lat, lon, found, err)
		}
	})

	t.Run("known without a position is not found", func(t *testing.T) {
		fake := postcodestest.New(t)
		fake.AddWithoutPosition("GY1 1AA")
		if _, _, found, err := newClient(t, fake.URL(), 0).Locate(ctx, "GY1 1AA"); err != nil || found {
			t.Errorf("Locate = found %v, %v; want not found", found, err)
		}
	})

	t.Run("server error", func(t *testing.T) {
		fake := postcodestest.New(t)
		fake.Add("LS1 4AP", 53.7997, -1.5492)
		fake.Fail(http.StatusInternalServerError)
		_, _, found, err := newClient(t, fake.URL(), 0).Locate(ctx, "LS1 4AP")
		if err == nil || found || !strings.Contains(err.Error(), "500") {
			t.Errorf("Locate = found %v, %v; want an error naming the 500", found, err)
		}
	})

	t.Run("slow answer times out", func(t *testing.T) {
		fake := postcodestest.New(t)
		fake.Add("LS1 4AP", 53.7997, -1.5492)
		fake.Delay(10 * time.Second)
		start := time.Now()
		_, _, found, err := newClient(t, fake.URL(), 100*time.Millisecond).Locate(ctx, "LS1 4AP")
		if err == nil || found || !strings.Contains(err.Error(), "no answer within 100ms") {
			t.Errorf("Locate = found %v, %v; want a timeout", found, err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Locate took %s; want it to give up after 100ms", took)
		}
	})

	t.Run("nonsense answer", func(t *testing.T) {
		for name, body := range map[string]string{"not JSON": "<html>proxy error</html>", "no result": `{"status":200}`} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }))
			t.Cleanup(srv.Close)
			if _, _, found, err := newClient(t, srv.URL, 0).Locate(ctx, "LS1 4AP"); err == nil || found {
				t.Errorf("%s: Locate = found %v, %v; want an error", name, found, err)
			}
		}
	})

	t.Run("down", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		if _, _, found, err := newClient(t, base, 0).Locate(ctx, "LS1 4AP"); err == nil || found {
			t.Errorf("Locate = found %v, %v; want an error", found, err)
		}
	})
}

func TestNew(t *testing.T) {
	for _, base := range []string{"", "api.postcodes.io", "ftp://api.postcodes.io", "https://", "https://api.postcodes.io?key=x"} {
		if _, err := postcodes.New(base, postcodes.Options{}); err == nil {
			t.Errorf("New(%q) accepted it; want an error", base)
		}
	}
	for _, base := range []string{"https://api.postcodes.io", "http://postcodes.council.internal:8000/api/"} {
		if _, err := postcodes.New(base, postcodes.Options{}); err != nil {
			t.Errorf("New(%q) = %v", base, err)
		}
	}
}
