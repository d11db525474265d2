// Package postcodestest is a fake of the postcodes.io API for tests: an
// httptest server that answers GET /postcodes/{postcode} for the postcodes
// it is told about, as postcodes.io does, so that the real client runs.
// It can also be made to fail, or to answer slowly.
package postcodestest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Place is where a postcode is; a postcode with no position (as for the
// Channel Islands) answers with null latitude and longitude.
type Place struct {
	Latitude, Longitude float64
	NoPosition          bool
}

// Fake is a running fake of postcodes.io.
type Fake struct {
	server *httptest.Server
	mu     sync.Mutex
	places map[string]Place // by postcode in capitals without spaces
	status int              // when not 0, every answer is this error
	delay  time.Duration
	asked  []string
}

// New starts a fake that knows no postcodes; it stops when the test ends.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{places: map[string]Place{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

// URL is the fake's base URL, for postcodes.New.
func (f *Fake) URL() string { return f.server.URL }

// Add tells the fake where a postcode is.
func (f *Fake) Add(postcode string, lat, lon float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.places[key(postcode)] = Place{Latitude: lat, Longitude: lon}
}

// AddWithoutPosition tells the fake of a postcode it knows but cannot place.
func (f *Fake) AddWithoutPosition(postcode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.places[key(postcode)] = Place{NoPosition: true}
}

// Fail makes every answer from now on an error with status (500, say); 0
// puts the fake right again.
func (f *Fake) Fail(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

// Delay makes every answer from now on wait d first (or until the client
// gives up).
func (f *Fake) Delay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// Asked returns the postcodes asked about so far, as asked.
func (f *Fake) Asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

func key(postcode string) string {
	return strings.ToUpper(strings.Join(strings.Fields(postcode), ""))
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	postcode, ok := strings.CutPrefix(r.URL.Path, "/postcodes/")
	f.mu.Lock()
	if ok {
		f.asked = append(f.asked, postcode)
	}
	place, known := f.places[key(postcode)]
	status, delay := f.status, f.delay
	f.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case status != 0:
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "error": "Internal server error"})
	case r.Method != http.MethodGet || !ok:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": 404, "error": "Resource not found"})
	case !known:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": 404, "error": "Postcode not found"})
	default:
		result := map[string]any{"postcode": postcode, "latitude": nil, "longitude": nil, "country": "England"}
		if !place.NoPosition {
			result["latitude"], result["longitude"] = place.Latitude, place.Longitude
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": 200, "result": result})
	}
}
