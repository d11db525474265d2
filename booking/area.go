package booking

import (
	"math"

	"github.com/uptrace/bun"
)

// An area is the part of the map a search looks in: every point within
// reachKm of a centre, such as the carer's home. The database finds the
// places in the smallest box holding that circle, through the *_near_idx
// indexes (migration 20261130000400_places_near), touching only the index
// entries inside the box; the exact distance is then checked in Go. So a
// search costs what the places near enough cost, however many places
// there are further away. A nil *area is everywhere.
type area struct {
	centre  LatLon
	reachKm float64
}

// within is the area within reachKm of centre, or nil (everywhere) when
// centre is not a real point on the map or reachKm is not positive.
func within(centre LatLon, reachKm float64) *area {
	if !centre.OnTheMap() || !(reachKm > 0) {
		return nil
	}
	return &area{centre: centre, reachKm: reachKm}
}

// kmPerDegree is the length of a degree of latitude, and of longitude at
// the equator, on the sphere distanceKm measures on.
const kmPerDegree = 6371.0 * math.Pi / 180

// box is the smallest box of latitudes and longitudes holding every point
// within reach (within a few metres' margin for rounding), clipped to the
// map. Near the poles it spans every longitude.
func (a *area) box() (south, west, north, east float64) {
	margin := a.reachKm*1.001 + 0.1
	dLat := margin / kmPerDegree
	south, north = max(a.centre.Lat-dLat, -90), min(a.centre.Lat+dLat, 90)
	// A circle is widest, in degrees of longitude, at its latitude
	// furthest from the equator.
	widest := max(math.Abs(south), math.Abs(north))
	if widest >= 89.9 {
		return south, -180, north, 180
	}
	dLon := margin / (kmPerDegree * math.Cos(widest*math.Pi/180))
	return south, max(a.centre.Lon-dLon, -180), north, min(a.centre.Lon+dLon, 180)
}

// holds reports whether the point is within reach (everywhere is, for nil).
func (a *area) holds(lat, lon float64) bool {
	return a == nil || distanceKm(a.centre.Lat, a.centre.Lon, lat, lon) <= a.reachKm
}

// latitudeBand is the SQL of the band of a tenth of a degree of latitude
// that the column lies in: the first column of the *_near_idx indexes,
// written exactly as they are.
func latitudeBand(column string) string {
	return "CAST(floor(" + column + " * 10) AS INTEGER)"
}

// narrow makes q keep only the rows whose column id (such as
// "b.provider_id") names a row of table (providers or hosts) whose
// latitude and longitude lie in a's box; for nil it keeps every row.
//
// The box is a subquery of ids rather than conditions on the joined
// table, so that the database starts from the places in the box, through
// the table's *_near_idx, and then looks up their beds or calendars by id.
// With conditions on a join, SQLite (which keeps no statistics) read every
// bed in the country and checked each one's home: a search on a map 16
// times the size then took 16 times as long (BenchmarkEmergencyOptions_wider).
func (a *area) narrow(q *bun.SelectQuery, id, table string) *bun.SelectQuery {
	if a == nil {
		return q
	}
	south, west, north, east := a.box()
	var bands []int
	for b := int(math.Floor(south * 10)); b <= int(math.Floor(north*10)); b++ {
		bands = append(bands, b)
	}
	return q.Where(id+" IN (SELECT near.id FROM "+table+" AS near WHERE "+latitudeBand("near.latitude")+" IN (?)"+
		" AND near.longitude BETWEEN ? AND ? AND near.latitude BETWEEN ? AND ?)",
		bun.In(bands), west, east, south, north)
}
