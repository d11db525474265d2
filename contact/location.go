package contact

import (
	"context"
	"math"
	"strconv"

	"github.com/respite-uk/respite/apperr"
)

// Where homes are. Every home (a carer's, a care home, a host's) has a
// postcode and a position on the map, which searches measure distances
// from. A position typed by hand is easily wrong: swapped round, missing a
// minus sign, or copied from another home. So a position must lie in the
// UK, and when a postcode lookup is set up (a Locator) it must lie near its
// own postcode, and may be left out for the lookup to fill in.

// Locator finds where a postcode is. Package postcodes is one, against a
// postcodes.io API; cmd/respite hands it to the services when
// RESPITE_POSTCODE_LOOKUP_URL is set.
type Locator interface {
	// Locate returns the latitude and longitude of a postcode, written as
	// ParsePostcode writes it. found is false for a postcode the lookup
	// does not know, or knows without a position; err means the lookup
	// could not answer (it is down, slow, or made no sense).
	Locate(ctx context.Context, postcode string) (lat, lon float64, found bool, err error)
}

// Located is what a Locator said about one postcode, for CheckWhereabouts.
// The zero value means there is no lookup.
type Located struct {
	Lookup    bool   // a lookup is set up; nothing else is set without one
	Postcode  string // the postcode looked up; "" when it was not well formed
	Latitude  float64
	Longitude float64
	Found     bool // the lookup knows the postcode's position
	Failed    bool // the lookup could not answer
}

// MaxKmFromPostcode is how far a home's position may be from its
// postcode's own, when a lookup can say where that is. Postcodes cover a
// few streets in towns; in the remotest country a few kilometres.
const MaxKmFromPostcode = 5

// The UK, generously: a box from the Channel Islands (49.2°N) and the Isles
// of Scilly to Shetland (60.9°N), and from the west of Northern Ireland and
// the Outer Hebrides (8.6°W at St Kilda) to the Suffolk coast (1.8°E). The
// box also takes in the east of Ireland and a corner of Normandy; the
// lookup's distance check catches positions there.
const (
	ukSouth = 49.0
	ukNorth = 61.0
	ukWest  = -8.7
	ukEast  = 2.0
)

// ErrLookupDown says the postcode lookup could not answer for a home given
// without a position. The service goes on working: a position entered by
// hand is accepted, checked only against the UK's bounds.
var ErrLookupDown = func() *apperr.Error {
	e := apperr.New(apperr.Unavailable, "We cannot look up postcodes just now. Enter the latitude and longitude by hand, or try again in a few minutes.")
	e.Fields = []apperr.FieldError{{Field: "latitude", Message: e.Message}}
	return e
}()

// msgPostcodeNotFound is the postcode's message when the lookup does not
// know it and no position was given.
const msgPostcodeNotFound = "We cannot find that postcode. Check it, or enter the latitude and longitude."

// Locate asks loc where postcode is, for CheckWhereabouts. It asks only
// when there is a loc and the postcode is well formed (CheckWhereabouts
// reports one that is not). positionGiven says a latitude or longitude was
// entered; if it was not and loc cannot answer, Locate returns
// ErrLookupDown (carrying the cause, for the logs), since the home could
// not then be put on the map.
func Locate(ctx context.Context, loc Locator, postcode string, positionGiven bool) (Located, error) {
	if loc == nil {
		return Located{}, nil
	}
	pc, err := ParsePostcode(postcode)
	if err != nil {
		return Located{Lookup: true}, nil
	}
	lat, lon, found, err := loc.Locate(ctx, pc)
	if err != nil {
		if !positionGiven {
			return Located{}, ErrLookupDown.Because(err)
		}
		return Located{Lookup: true, Postcode: pc, Failed: true}, nil
	}
	return Located{Lookup: true, Postcode: pc, Latitude: lat, Longitude: lon, Found: found}, nil
}

// LocateChange is Locate for a change to a stored home: postcode, lat and
// lon are what the change gives (nil: unchanged), and stored returns the
// postcode on record when it is needed. It looks nothing up for a change
// that leaves the postcode and position as they are.
func LocateChange(ctx context.Context, loc Locator, postcode *string, lat, lon *float64, stored func() (string, error)) (Located, error) {
	if loc == nil || (postcode == nil && lat == nil && lon == nil) {
		return Located{}, nil
	}
	onRecord, err := stored()
	if err != nil {
		return Located{}, err
	}
	pc := onRecord
	if postcode != nil {
		pc = *postcode
	}
	if !Moved(onRecord, postcode, lat, lon) && lat == nil && lon == nil {
		return Located{}, nil // the same postcode written again
	}
	return Locate(ctx, loc, pc, lat != nil || lon != nil)
}

// Moved reports whether a change of postcode (nil: unchanged) moves a home
// away from the postcode on record without giving its new position: the
// position on record then belongs to the old postcode, so it is dropped and
// must be looked up or entered again.
func Moved(stored string, postcode *string, lat, lon *float64) bool {
	if postcode == nil || lat != nil || lon != nil {
		return false
	}
	pc, err := ParsePostcode(*postcode)
	return err == nil && pc != stored
}

// CheckWhereabouts checks a home's postcode (tidying it in place) and its
// position on the map, adding a message to f for each bad field, and
// returns the position to keep. whose names the home in messages ("the
// carer's home"). lat and lon are nil when not given; found is what Locate
// said of the postcode (the zero Located when nothing was looked up).
//
// The position must be in the UK (see ukSouth), and its latitude and
// longitude must not be swapped round. When the lookup knows the postcode,
// a position left out is filled in from it, and one given must lie within
// MaxKmFromPostcode of it. When the lookup does not know the postcode, or
// could not answer, a position given is checked against the UK alone.
// Without a lookup the position must be given.
func CheckWhereabouts(f *apperr.Fields, whose string, postcode *string, lat, lon *float64, found Located) (latitude, longitude float64) {
	pc, err := ParsePostcode(*postcode)
	if err != nil {
		f.Add("postcode", "%s", err.Error())
	} else {
		*postcode = pc
	}
	// found speaks for this postcode only: a lookup made before the record
	// was read in its transaction may be of one since changed.
	looked := err == nil && found.Postcode == pc
	known := looked && found.Found

	if lat == nil && lon == nil {
		switch {
		case known:
			return found.Latitude, found.Longitude
		case looked && found.Failed:
			f.Add("latitude", "%s", ErrLookupDown.Message)
		case looked:
			f.Add("postcode", "%s", msgPostcodeNotFound)
		case found.Lookup && err != nil:
			// Put right, the postcode will be looked up.
		default:
			f.Add("latitude", "Enter the latitude of %s (in the UK, between %.1f and %.1f).", whose, ukSouth, ukNorth)
			f.Add("longitude", "Enter the longitude of %s (in the UK, between %.1f and %.1f).", whose, ukWest, ukEast)
		}
		return 0, 0
	}

	ok := true
	switch {
	case lat == nil && known:
		f.Add("latitude", "Enter the latitude as well as the longitude, or leave both out to use the postcode's.")
		ok = false
	case lat == nil:
		f.Add("latitude", "Enter the latitude of %s (in the UK, between %.1f and %.1f).", whose, ukSouth, ukNorth)
		ok = false
	case math.IsNaN(*lat) || *lat < -90 || *lat > 90:
		f.Add("latitude", "The latitude must be between -90 and 90.")
		ok = false
	}
	switch {
	case lon == nil && known:
		f.Add("longitude", "Enter the longitude as well as the latitude, or leave both out to use the postcode's.")
		ok = false
	case lon == nil:
		f.Add("longitude", "Enter the longitude of %s (in the UK, between %.1f and %.1f).", whose, ukWest, ukEast)
		ok = false
	case math.IsNaN(*lon) || *lon < -180 || *lon > 180:
		f.Add("longitude", "The longitude must be between -180 and 180.")
		ok = false
	}
	if lat != nil {
		latitude = *lat
	}
	if lon != nil {
		longitude = *lon
	}
	if !ok {
		return latitude, longitude
	}

	switch {
	case !inUK(latitude, longitude) && inUK(longitude, latitude):
		f.Add("latitude", "The latitude and longitude look swapped round. Enter %s as the latitude and %s as the longitude.", number(longitude), number(latitude))
	case !inUK(latitude, longitude):
		if latitude < ukSouth || latitude > ukNorth {
			f.Add("latitude", "The latitude must be in the UK, between %.1f and %.1f.", ukSouth, ukNorth)
		}
		if longitude < ukWest || longitude > ukEast {
			f.Add("longitude", "The longitude must be in the UK, between %.1f and %.1f (it is negative west of Greenwich).", ukWest, ukEast)
		}
	case known:
		if d := DistanceKm(latitude, longitude, found.Latitude, found.Longitude); d > MaxKmFromPostcode {
			// Nothing refused may read as 5.0 km.
			shown := max(math.Round(d*10)/10, MaxKmFromPostcode+0.1)
			f.Add("latitude", "The latitude and longitude are %.1f km from the postcode %s; they must be within %d km of it. Check them and the postcode.", shown, pc, MaxKmFromPostcode)
		}
	}
	return latitude, longitude
}

func inUK(lat, lon float64) bool {
	return lat >= ukSouth && lat <= ukNorth && lon >= ukWest && lon <= ukEast
}

// number writes a coordinate as it was typed, without trailing zeros.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// earthRadiusKm is the Earth's mean radius.
const earthRadiusKm = 6371.0

// DistanceKm is the great-circle distance in kilometres between two
// positions, by the haversine formula.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	dLat, dLon := rad(lat2-lat1), rad(lon2-lon1)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(lat1))*math.Cos(rad(lat2))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}
