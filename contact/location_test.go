package contact_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
)

// stubLocator knows the postcodes in places; down makes it fail. It
// records what it was asked. (The real client, against a fake of
// postcodes.io, is tested in package postcodes and by the services.)
type stubLocator struct {
	places map[string][2]float64
	down   bool
	asked  []string
}

func (s *stubLocator) Locate(_ context.Context, postcode string) (float64, float64, bool, error) {
	s.asked = append(s.asked, postcode)
	if s.down {
		return 0, 0, false, errors.New("connection refused")
	}
	p, ok := s.places[postcode]
	return p[0], p[1], ok, nil
}

// Leeds city centre, and its postcode.
const (
	ls1Lat, ls1Lon = 53.7997, -1.5492
)

func leeds() *stubLocator {
	return &stubLocator{places: map[string][2]float64{"LS1 4AP": {ls1Lat, ls1Lon}}}
}

func f64(v float64) *float64 { return &v }

// place runs the rule as the services do: Locate, then CheckWhereabouts.
func place(loc contact.Locator, postcode string, lat, lon *float64) (gotLat, gotLon float64, gotPostcode string, err error) {
	found, err := contact.Locate(context.Background(), loc, postcode, lat != nil || lon != nil)
	if err != nil {
		return 0, 0, "", err
	}
	var f apperr.Fields
	gotLat, gotLon = contact.CheckWhereabouts(&f, "the carer's home", &postcode, lat, lon, found)
	return gotLat, gotLon, postcode, f.Err()
}

func TestCheckWhereabouts(t *testing.T) {
	down := &stubLocator{down: true}
	tests := []struct {
		name     string
		loc      contact.Locator
		postcode string
		lat, lon *float64
		wantLat  float64
		wantLon  float64
		// wantFields are the bad fields, each with a part of its message.
		wantFields map[string]string
		wantErr    error
	}{
		{name: "in the UK, no lookup", postcode: "ls1 4ap", lat: f64(53.8), lon: f64(-1.55), wantLat: 53.8, wantLon: -1.55},
		{name: "Lerwick, Shetland", postcode: "ZE1 0AA", lat: f64(60.155), lon: f64(-1.145), wantLat: 60.155, wantLon: -1.145},
		{name: "St Helier, Jersey", postcode: "JE2 3AA", lat: f64(49.186), lon: f64(-2.11), wantLat: 49.186, wantLon: -2.11},
		{name: "Enniskillen, Northern Ireland", postcode: "BT74 6AA", lat: f64(54.344), lon: f64(-7.639), wantLat: 54.344, wantLon: -7.639},
		{name: "Lowestoft", postcode: "NR32 1AA", lat: f64(52.475), lon: f64(1.75), wantLat: 52.475, wantLon: 1.75},
		{
			name: "missing, no lookup", postcode: "LS1 4AP",
			wantFields: map[string]string{"latitude": "Enter the latitude of the carer's home", "longitude": "Enter the longitude of the carer's home"},
		},
		{
			name: "one missing, no lookup", postcode: "LS1 4AP", lat: f64(53.8), wantLat: 53.8,
			wantFields: map[string]string{"longitude": "Enter the longitude of the carer's home"},
		},
		{
			name: "Paris", postcode: "LS1 4AP", lat: f64(48.857), lon: f64(2.352), wantLat: 48.857, wantLon: 2.352,
			wantFields: map[string]string{"latitude": "must be in the UK, between 49.0 and 61.0", "longitude": "must be in the UK, between -8.7 and 2.0"},
		},
		{
			name: "south of the UK only", postcode: "LS1 4AP", lat: f64(40), lon: f64(-1.55), wantLat: 40, wantLon: -1.55,
			wantFields: map[string]string{"latitude": "must be in the UK"},
		},
		{
			name: "swapped round", postcode: "LS1 4AP", lat: f64(-1.5), lon: f64(53.8), wantLat: -1.5, wantLon: 53.8,
			wantFields: map[string]string{"latitude": "look swapped round. Enter 53.8 as the latitude and -1.5 as the longitude."},
		},
		{
			name: "swapped round, with a lookup", loc: leeds(), postcode: "LS1 4AP", lat: f64(ls1Lon), lon: f64(ls1Lat), wantLat: ls1Lon, wantLon: ls1Lat,
			wantFields: map[string]string{"latitude": "look swapped round"},
		},
		{
			name: "not a latitude", postcode: "LS1 4AP", lat: f64(91), lon: f64(-181), wantLat: 91, wantLon: -181,
			wantFields: map[string]string{"latitude": "between -90 and 90", "longitude": "between -180 and 180"},
		},
		{
			name: "not a number", postcode: "LS1 4AP", lat: f64(math.NaN()), lon: f64(-1.55), wantLat: math.NaN(), wantLon: -1.55,
			wantFields: map[string]string{"latitude": "between -90 and 90"},
		},
		{
			name: "bad postcode, no lookup", postcode: "LS1", lat: f64(53.8), lon: f64(-1.55), wantLat: 53.8, wantLon: -1.55,
			wantFields: map[string]string{"postcode": "Enter a real UK postcode"},
		},
		{name: "filled in from the postcode", loc: leeds(), postcode: "ls14ap", wantLat: ls1Lat, wantLon: ls1Lon},
		{name: "within 5 km of the postcode", loc: leeds(), postcode: "LS1 4AP", lat: f64(53.82), lon: f64(-1.57), wantLat: 53.82, wantLon: -1.57},
		{
			// 0.1° of latitude is 11.1 km.
			name: "more than 5 km from the postcode", loc: leeds(), postcode: "LS1 4AP", lat: f64(ls1Lat + 0.1), lon: f64(ls1Lon), wantLat: ls1Lat + 0.1, wantLon: ls1Lon,
			wantFields: map[string]string{"latitude": "The latitude and longitude are 11.1 km from the postcode LS1 4AP; they must be within 5 km of it."},
		},
		{
			name: "just over 5 km", loc: leeds(), postcode: "LS1 4AP", lat: f64(ls1Lat + 0.04500), lon: f64(ls1Lon), wantLat: ls1Lat + 0.045, wantLon: ls1Lon,
			wantFields: map[string]string{"latitude": "are 5.1 km from the postcode"},
		},
		{
			name: "one given, with a lookup", loc: leeds(), postcode: "LS1 4AP", lon: f64(-1.55), wantLon: -1.55,
			wantFields: map[string]string{"latitude": "Enter the latitude as well as the longitude, or leave both out"},
		},
		{
			name: "postcode not found", loc: leeds(), postcode: "ZZ9 9ZZ",
			wantFields: map[string]string{"postcode": "We cannot find that postcode. Check it, or enter the latitude and longitude."},
		},
		{name: "postcode not found, position given", loc: leeds(), postcode: "LS99 9ZZ", lat: f64(53.9), lon: f64(-1.7), wantLat: 53.9, wantLon: -1.7},
		{
			name: "postcode not found, position outside the UK", loc: leeds(), postcode: "LS99 9ZZ", lat: f64(40.4), lon: f64(-3.7), wantLat: 40.4, wantLon: -3.7,
			wantFields: map[string]string{"latitude": "must be in the UK"},
		},
		{
			name: "bad postcode, with a lookup", loc: leeds(), postcode: "nowhere",
			wantFields: map[string]string{"postcode": "Enter a real UK postcode"},
		},
		{name: "lookup down, no position", loc: down, postcode: "LS1 4AP", wantErr: contact.ErrLookupDown},
		{name: "lookup down, position given", loc: down, postcode: "LS1 4AP", lat: f64(54.5), lon: f64(-3), wantLat: 54.5, wantLon: -3},
		{
			name: "lookup down, position outside the UK", loc: down, postcode: "LS1 4AP", lat: f64(-1.5), lon: f64(53.8), wantLat: -1.5, wantLon: 53.8,
			wantFields: map[string]string{"latitude": "swapped round"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lat, lon, _, err := place(tt.loc, tt.postcode, tt.lat, tt.lon)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if !same(lat, tt.wantLat) || !same(lon, tt.wantLon) {
				t.Errorf("position = %v, %v; want %v, %v", lat, lon, tt.wantLat, tt.wantLon)
			}
			got := map[string]string{}
			if e, ok := apperr.As(err); ok {
				for _, fe := range e.Fields {
					got[fe.Field] = fe.Message
				}
			} else if err != nil {
				t.Fatalf("err = %v, want field errors", err)
			}
			if diff := cmp.Diff(keys(tt.wantFields), keys(got)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s\nerr: %v", diff, err)
			}
			for field, part := range tt.wantFields {
				if !strings.Contains(got[field], part) {
					t.Errorf("%s: message %q, want it to contain %q", field, got[field], part)
				}
			}
		})
	}
}

func same(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-9
}

func keys(m map[string]string) []string {
	var out []string
	for _, f := range []string{"postcode", "latitude", "longitude"} {
		if _, ok := m[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

func TestCheckWhereabouts_tidiesThePostcode(t *testing.T) {
	_, _, pc, err := place(leeds(), " ls14ap ", nil, nil)
	if err != nil || pc != "LS1 4AP" {
		t.Errorf("postcode = %q, %v; want LS1 4AP", pc, err)
	}
}

func TestLocate_lookupDown(t *testing.T) {
	_, err := contact.Locate(context.Background(), &stubLocator{down: true}, "LS1 4AP", false)
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Unavailable || !errors.Is(err, contact.ErrLookupDown) {
		t.Fatalf("err = %v, want ErrLookupDown (Unavailable)", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v, want the cause kept for the logs", err)
	}
	if diff := cmp.Diff([]apperr.FieldError{{Field: "latitude", Message: e.Message}}, e.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.Message, "Enter the latitude and longitude by hand") {
		t.Errorf("message %q does not say to enter the position by hand", e.Message)
	}
}

func TestLocate_asksOnlyForWellFormedPostcodes(t *testing.T) {
	loc := leeds()
	for _, pc := range []string{"nowhere", "", "LS1"} {
		if _, err := contact.Locate(context.Background(), loc, pc, false); err != nil {
			t.Errorf("Locate(%q) = %v", pc, err)
		}
	}
	if _, err := contact.Locate(context.Background(), nil, "LS1 4AP", false); err != nil {
		t.Errorf("Locate without a lookup = %v", err)
	}
	if len(loc.asked) != 0 {
		t.Errorf("asked %q; want nothing asked", loc.asked)
	}
}

func TestLocateChange(t *testing.T) {
	ctx := context.Background()
	stored := func(pc string) func() (string, error) {
		return func() (string, error) { return pc, nil }
	}
	tests := []struct {
		name      string
		postcode  *string
		lat, lon  *float64
		wantAsked []string
	}{
		{name: "nothing about the place", wantAsked: nil},
		{name: "the same postcode again", postcode: new("ls1 4ap"), wantAsked: nil},
		{name: "a new postcode", postcode: new("LS2 7EW"), wantAsked: []string{"LS2 7EW"}},
		{name: "a new position", lat: f64(53.8), wantAsked: []string{"LS1 4AP"}},
		{name: "a new postcode and position", postcode: new("LS2 7EW"), lat: f64(53.8), lon: f64(-1.55), wantAsked: []string{"LS2 7EW"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := leeds()
			if _, err := contact.LocateChange(ctx, loc, tt.postcode, tt.lat, tt.lon, stored("LS1 4AP")); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantAsked, loc.asked); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("moved while the lookup is down", func(t *testing.T) {
		_, err := contact.LocateChange(ctx, &stubLocator{down: true}, new("LS2 7EW"), nil, nil, stored("LS1 4AP"))
		if !errors.Is(err, contact.ErrLookupDown) {
			t.Errorf("err = %v, want ErrLookupDown", err)
		}
	})
	t.Run("record unreadable", func(t *testing.T) {
		boom := errors.New("no such home")
		_, err := contact.LocateChange(ctx, leeds(), nil, f64(53.8), nil, func() (string, error) { return "", boom })
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})
	t.Run("no lookup reads nothing", func(t *testing.T) {
		_, err := contact.LocateChange(ctx, nil, new("LS2 7EW"), nil, nil, func() (string, error) {
			t.Error("the record was read")
			return "", nil
		})
		if err != nil {
			t.Error(err)
		}
	})
}

func TestMoved(t *testing.T) {
	tests := []struct {
		name     string
		postcode *string
		lat      *float64
		want     bool
	}{
		{"no new postcode", nil, nil, false},
		{"the same postcode written another way", new("ls14ap"), nil, false},
		{"another postcode", new("LS2 7EW"), nil, true},
		{"another postcode with a position", new("LS2 7EW"), f64(53.8), false},
		{"not a postcode", new("nowhere"), nil, false},
	}
	for _, tt := range tests {
		if got := contact.Moved("LS1 4AP", tt.postcode, tt.lat, nil); got != tt.want {
			t.Errorf("%s: Moved = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDistanceKm(t *testing.T) {
	// Leeds to London (Charing Cross) is about 272 km as the crow flies.
	if d := contact.DistanceKm(53.7997, -1.5492, 51.5073, -0.1276); d < 268 || d > 276 {
		t.Errorf("Leeds to London = %.1f km, want about 272", d)
	}
	if d := contact.DistanceKm(53.8, -1.5, 53.8, -1.5); d != 0 {
		t.Errorf("no distance = %v", d)
	}
}
