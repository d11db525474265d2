package booking

import (
	"math"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
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

// narrow makes q keep only the places in a's box: the rows whose table
// (providers or hosts, as alias in q) has its latitude and longitude in
// the box; for nil it keeps every row. id is the column of q naming the
// place by id (such as "b.provider_id", or "host.id").
//
// Each database is asked the way its planner reads best. PostgreSQL plans
// by its statistics and starts from the *_near_idx index given conditions
// on the table itself. SQLite keeps no statistics, and given those
// conditions it read every bed in the country and checked each one's
// home (a search on a map 16 times the size took 16 times as long,
// BenchmarkEmergencyOptions_wider); given a subquery of the ids in the box
// it reads the index first, then looks the places up by id. PostgreSQL,
// given the subquery, took twice as long.
func (a *area) narrow(q *bun.SelectQuery, table, alias, id string) *bun.SelectQuery {
	if a == nil {
		return q
	}
	south, west, north, east := a.box()
	var bands []int
	for b := int(math.Floor(south * 10)); b <= int(math.Floor(north*10)); b++ {
		bands = append(bands, b)
	}
	where := func(t string) string {
		return latitudeBand(t+".latitude") + " IN (?) AND " + t + ".longitude BETWEEN ? AND ? AND " + t + ".latitude BETWEEN ? AND ?"
	}
	args := []any{bun.In(bands), west, east, south, north}
	if q.DB().Dialect().Name() == dialect.PG {
		return q.Where(where(alias), args...)
	}
	return q.Where(id+" IN (SELECT near.id FROM "+table+" AS near WHERE "+where("near")+")", args...)
}
