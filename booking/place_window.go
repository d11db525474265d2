package booking

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// A window is a run of nights read once, so that any stay within it can then
// be checked in memory: which places are free on every night of the stay.
// A search for one stay reads a window of just its nights; NearbyDates reads
// one window covering every stay it tries, rather than searching 29 times.

// nightIndex is a window's nights, from its first up to (not including)
// its end.
type nightIndex struct{ from, to calendar.Date }

// span returns the positions of a stay's nights in the window, and whether
// every night of the stay is in it.
func (w nightIndex) span(arrive, depart calendar.Date) (first, end int, ok bool) {
	first, end = w.from.DaysUntil(arrive), w.from.DaysUntil(depart)
	return first, end, first >= 0 && end <= w.from.DaysUntil(w.to) && first < end
}

// mark sets busy for the nights from arrive to depart that are in the window.
func (w nightIndex) mark(busy []bool, arrive, depart calendar.Date) {
	first, end := max(w.from.DaysUntil(arrive), 0), min(w.from.DaysUntil(depart), len(busy))
	for i := first; i < end; i++ {
		busy[i] = true
	}
}

// windowBed is a bed that may be free on some nights of a window.
type windowBed struct {
	bedCandidate
	ContractStarts calendar.Date `bun:"contract_starts_on"`
	ContractEnds   calendar.Date `bun:"contract_ends_on"` // the last night covered
	// covered is the nights of the window its contract covers, by position
	// in the window: from first up to (not including) end.
	covered struct{ first, end int }
	busy    []bool // by night of the window: booked or held
}

// bedWindow is the beds of a window, for stays of a number of nights.
type bedWindow struct {
	nightIndex
	nights int
	beds   []windowBed
}

// loadBedWindow reads the active beds of bedTypes, at active homes, under a
// contract covering some night from from to to, with the nights each has
// booked, held or closed in that time, for stays of the given number of
// nights. beds narrows to some beds (nil for all), and near to the homes
// in an area (nil for everywhere); beds kept for
// emergencies are left out unless includeEmergency; and keep, when not nil,
// leaves out the beds it refuses before their nights are read.
//
// A window of one stay (nights spans it) is the common case, and every one
// of its nights must be free, so the database itself leaves out each bed
// that is not (under a contract that does not cover them all, or booked,
// held or closed on any of them: most beds, at 60% occupancy), and the
// nights of the rest need not be read at all. A longer window applies the same rule in
// memory, in free; TestSearch_windowAgreesWithOneStay holds the two ways to
// the same answers.
func loadBedWindow(ctx context.Context, db bun.IDB, from, to calendar.Date, nights int, bedTypes []string, now time.Time, beds []int64, near *area, includeEmergency bool, keep func(bedCandidate) bool) (bedWindow, error) {
	w := bedWindow{nightIndex: nightIndex{from, to}, nights: nights}
	oneStay := from.DaysUntil(to) == nights
	// A search reads the homes' own columns once a home, by withHomes,
	// not once a bed: a home has ten beds or so, and its lists are JSON to
	// decode.
	q := db.NewSelect().
		ColumnExpr("b.id AS bed_id, b.label, b.bed_type, b.features, b.emergency_reserved, b.provider_id").
		// Dates as text: the SQLite driver would otherwise try layout after
		// layout to make a time.Time of a DATE column, failing (and
		// allocating an error) on each before the one that fits;
		// calendar.Date reads the text itself.
		ColumnExpr("c.nightly_rate_pence, CAST(c.starts_on AS TEXT) AS contract_starts_on, CAST(c.ends_on AS TEXT) AS contract_ends_on").
		TableExpr("beds AS b").
		Join("JOIN providers AS p ON p.id = b.provider_id").
		Join("JOIN contracts AS c ON c.id = b.contract_id").
		Where("b.active = ?", true).
		Where("p.active = ?", true).
		Where("c.active = ?", true).
		Where("b.bed_type IN (?)", bun.In(bedTypes)).
		OrderExpr("b.id")
	if oneStay {
		q = q.Where("c.starts_on <= ?", from).
			Where("c.ends_on >= ?", to.AddDays(-1)).
			Where("NOT EXISTS (SELECT 1 FROM booking_nights AS n WHERE n.place_kind = 'bed' AND n.place_id = b.id AND n.night >= ? AND n.night < ?)", from, to).
			Where("NOT EXISTS (SELECT 1 FROM holds AS h WHERE h.place_kind = 'bed' AND h.place_id = b.id AND h.expires_at > ? AND h.arrive < ? AND h.depart > ?)", now, to, from).
			// A closed night (providers.Closure: the bed, or its whole home) is as good as booked.
			Where("NOT EXISTS (SELECT 1 FROM closures AS cl WHERE cl.provider_id = b.provider_id AND (cl.bed_id IS NULL OR cl.bed_id = b.id) AND cl.starts_on < ? AND cl.ends_on >= ?)", to, from)
	} else {
		q = q.Where("c.starts_on < ?", to).Where("c.ends_on >= ?", from)
	}
	if !includeEmergency {
		q = q.Where("b.emergency_reserved = ?", false)
	}
	if beds != nil {
		// A few beds named (a hold's, a change's): their homes come in the
		// same query, which saves the booking path a round trip.
		q = q.Where("b.id IN (?)", bun.In(beds)).
			ColumnExpr("p.name AS provider_name, p.phone AS provider_phone, p.address AS provider_address, p.postcode AS provider_postcode, p.latitude, p.longitude, p.specialisms, p.age_groups")
		w.beds = make([]windowBed, 0, len(beds))
	}
	q = near.narrow(q, "providers", "p", "b.provider_id")
	if err := q.Scan(ctx, &w.beds); err != nil {
		return bedWindow{}, apperr.Wrapf(err, "searching beds")
	}
	if beds == nil {
		if err := withHomes(ctx, db, w.beds); err != nil {
			return bedWindow{}, err
		}
	}
	if near != nil {
		w.beds = slices.DeleteFunc(w.beds, func(b windowBed) bool { return !near.holds(b.Latitude, b.Longitude) })
	}
	if keep != nil {
		w.beds = slices.DeleteFunc(w.beds, func(b windowBed) bool { return !keep(b.bedCandidate) })
	}
	for i := range w.beds {
		b := &w.beds[i]
		b.covered.first = max(from.DaysUntil(b.ContractStarts), 0)
		b.covered.end = min(from.DaysUntil(b.ContractEnds)+1, from.DaysUntil(to))
	}
	if len(w.beds) == 0 || oneStay {
		return w, nil
	}
	ids := make([]int64, len(w.beds))
	at := make(map[int64]int, len(w.beds))
	for i := range w.beds {
		ids[i], at[w.beds[i].BedID] = w.beds[i].BedID, i
		w.beds[i].busy = make([]bool, from.DaysUntil(to))
	}
	var booked []struct {
		PlaceID int64         `bun:"place_id"`
		Night   calendar.Date `bun:"night"`
	}
	if err := db.NewSelect().TableExpr("booking_nights").Column("place_id", "night").
		Where("place_kind = ? AND place_id IN (?)", PlaceBed, bun.In(ids)).Where("night >= ? AND night < ?", from, to).
		Scan(ctx, &booked); err != nil {
		return bedWindow{}, apperr.Wrapf(err, "reading beds' nights")
	}
	for _, n := range booked {
		w.mark(w.beds[at[n.PlaceID]].busy, n.Night, n.Night.AddDays(1))
	}
	var held []Hold
	if err := db.NewSelect().Model(&held).Column("place_id", "arrive", "depart").
		Where("place_kind = ? AND place_id IN (?)", PlaceBed, bun.In(ids)).
		Where("expires_at > ?", now).Where("arrive < ? AND depart > ?", to, from).
		Scan(ctx); err != nil {
		return bedWindow{}, apperr.Wrapf(err, "reading beds' holds")
	}
	for _, h := range held {
		w.mark(w.beds[at[h.PlaceID]].busy, h.Arrive, h.Depart)
	}
	if err := w.markClosed(ctx, db); err != nil {
		return bedWindow{}, err
	}
	return w, nil
}

// markClosed marks busy the nights of the window's beds that are closed
// (providers.Closure), the bed's own closures and its home's, so that free
// treats a closed night as a booked one.
func (w bedWindow) markClosed(ctx context.Context, db bun.IDB) error {
	homes := make([]int64, len(w.beds))
	for i, b := range w.beds {
		homes[i] = b.ProviderID
	}
	var closed []providers.Closure
	if err := db.NewSelect().Model(&closed).Column("provider_id", "bed_id", "starts_on", "ends_on").
		Where("provider_id IN (?)", bun.In(homes)).Where("starts_on < ? AND ends_on >= ?", w.to, w.from).
		Scan(ctx); err != nil {
		return apperr.Wrapf(err, "reading closures")
	}
	for _, cl := range closed {
		for _, b := range w.beds {
			if b.ProviderID == cl.ProviderID && (cl.BedID == nil || *cl.BedID == b.BedID) {
				w.mark(b.busy, cl.StartsOn, cl.EndsOn.AddDays(1))
			}
		}
	}
	return nil
}

// free returns the beds whose contract covers every night from arrive to
// depart and which are neither booked nor held on any of them. The stay
// must lie within the window and be of the window's length of stay.
func (w bedWindow) free(arrive, depart calendar.Date) []bedCandidate {
	first, end, ok := w.span(arrive, depart)
	if !ok || end-first != w.nights {
		return nil
	}
	out := make([]bedCandidate, 0, len(w.beds))
	for _, b := range w.beds {
		// busy is nil when the database has already left out busy beds.
		if first < b.covered.first || end > b.covered.end || (b.busy != nil && slices.Contains(b.busy[first:end], true)) {
			continue
		}
		out = append(out, b.bedCandidate)
	}
	return out
}

// windowHost is a host who may have a slot free on some nights of a window.
type windowHost struct {
	host   sharedlives.Host
	ranges []sharedlives.Range // the host's available dates, by start
	busy   [][]bool            // by slot, then by night of the window
}

// hostWindow is the hosts of a window.
type hostWindow struct {
	nightIndex
	hosts []windowHost
}

// bedHome is what a bed's candidacy needs of its home.
type bedHome struct {
	ID          int64    `bun:"id"`
	Name        string   `bun:"name"`
	Phone       string   `bun:"phone"`
	Address     string   `bun:"address"`
	Postcode    string   `bun:"postcode"`
	Latitude    float64  `bun:"latitude"`
	Longitude   float64  `bun:"longitude"`
	Specialisms []string `bun:"specialisms"`
	AgeGroups   []string `bun:"age_groups"`
}

// withHomes fills in each bed's home: its name, phone, address,
// position, specialisms and age groups, read once a home. The beds share
// their home's strings and lists, which nothing changes.
func withHomes(ctx context.Context, db bun.IDB, beds []windowBed) error {
	if len(beds) == 0 {
		return nil
	}
	var ids []int64
	for _, b := range beds {
		ids = append(ids, b.ProviderID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	homes := make([]bedHome, 0, len(ids))
	if err := db.NewSelect().TableExpr("providers").
		Column("id", "name", "phone", "address", "postcode", "latitude", "longitude", "specialisms", "age_groups").
		Where("id IN (?)", bun.In(ids)).Scan(ctx, &homes); err != nil {
		return apperr.Wrapf(err, "reading the beds' homes")
	}
	at := make(map[int64]int, len(homes))
	for i, h := range homes {
		at[h.ID] = i
	}
	for i := range beds {
		b := &beds[i].bedCandidate
		h := homes[at[b.ProviderID]]
		b.ProviderName, b.ProviderPhone, b.ProviderAddress, b.ProviderPostcode = h.Name, h.Phone, h.Address, h.Postcode
		b.Latitude, b.Longitude, b.Specialisms, b.AgeGroups = h.Latitude, h.Longitude, h.Specialisms, h.AgeGroups
	}
	return nil
}

// likeQuoted is a LIKE pattern for a word in quotes anywhere in a text,
// with LIKE's wildcards in the word escaped ("short_break" has one).
func likeQuoted(word string) string {
	return `%"` + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(word) + `"%`
}

// loadHostWindow reads the approved hosts, review not overdue on today, who
// offer the kind of stay, with their calendars and the slots booked or held
// on each night from from to to. hostIDs narrows to some hosts (nil for
// all). It asks the database four questions whatever the number of hosts.
func loadHostWindow(ctx context.Context, db bun.IDB, offer string, from, to, today calendar.Date, now time.Time, hostIDs []int64, near *area) (hostWindow, error) {
	w := hostWindow{nightIndex: nightIndex{from, to}}
	var hosts []sharedlives.Host
	q := db.NewSelect().Model(&hosts).
		Where("status = ?", sharedlives.StatusApproved).
		Where("review_due >= ?", today).
		// The lists are JSON written by encoding/json, so the offer is
		// there in quotes, on PostgreSQL (jsonb as text) as on SQLite.
		// The Go check below is the exact one; this only spares reading
		// the hosts who plainly do not offer it.
		Where("CAST(host.offers AS TEXT) LIKE ? ESCAPE '\\'", likeQuoted(offer)).
		// A host who has marked no night of the window available cannot
		// take any stay in it.
		Where("EXISTS (SELECT 1 FROM host_availability AS r WHERE r.host_id = host.id AND r.starts_on < ? AND r.ends_on >= ?)", to, from).
		OrderExpr("id")
	if hostIDs != nil {
		q = q.Where("id IN (?)", bun.In(hostIDs))
	}
	q = near.narrow(q, "hosts", "host", "host.id")
	if near != nil && db.Dialect().Name() == dialect.SQLite {
		// SQLite keeps no statistics, so it would read every approved
		// host through hosts_status_idx and check each against the box.
		// NOT INDEXED leaves it the lookups by id of the hosts in the box.
		q = q.ModelTableExpr(`hosts AS "host" NOT INDEXED`)
	}
	if err := q.Scan(ctx); err != nil {
		return hostWindow{}, apperr.Wrapf(err, "searching hosts")
	}
	hosts = slices.DeleteFunc(hosts, func(h sharedlives.Host) bool {
		return !slices.Contains(h.Offers, offer) || !near.holds(h.Latitude, h.Longitude)
	})
	if len(hosts) == 0 {
		return w, nil
	}
	ids := make([]int64, len(hosts))
	at := make(map[int64]int, len(hosts))
	nights := from.DaysUntil(to)
	w.hosts = make([]windowHost, len(hosts))
	for i, h := range hosts {
		ids[i], at[h.ID] = h.ID, i
		w.hosts[i] = windowHost{host: h, busy: make([][]bool, h.Capacity)}
		for slot := range w.hosts[i].busy {
			w.hosts[i].busy[slot] = make([]bool, nights)
		}
	}

	var ranges []sharedlives.Range
	if err := db.NewSelect().Model(&ranges).Where("host_id IN (?)", bun.In(ids)).
		Where("starts_on < ?", to).Where("ends_on >= ?", from).OrderExpr("host_id, starts_on").Scan(ctx); err != nil {
		return hostWindow{}, apperr.Wrapf(err, "reading hosts' calendars")
	}
	for _, r := range ranges {
		h := &w.hosts[at[r.HostID]]
		h.ranges = append(h.ranges, r)
	}
	var taken []struct {
		PlaceID int64         `bun:"place_id"`
		Slot    int           `bun:"slot"`
		Night   calendar.Date `bun:"night"`
	}
	if err := db.NewSelect().TableExpr("booking_nights").Column("place_id", "slot", "night").
		Where("place_kind = ? AND place_id IN (?)", PlaceHost, bun.In(ids)).Where("night >= ? AND night < ?", from, to).
		Scan(ctx, &taken); err != nil {
		return hostWindow{}, apperr.Wrapf(err, "reading hosts' nights")
	}
	for _, t := range taken {
		w.markSlot(at[t.PlaceID], t.Slot, t.Night, t.Night.AddDays(1))
	}
	var held []Hold
	if err := db.NewSelect().Model(&held).Column("place_id", "slot", "night_slots", "arrive", "depart").
		Where("place_kind = ? AND place_id IN (?)", PlaceHost, bun.In(ids)).
		Where("expires_at > ?", now).Where("arrive < ? AND depart > ?", to, from).
		Scan(ctx); err != nil {
		return hostWindow{}, apperr.Wrapf(err, "reading hosts' holds")
	}
	for _, h := range held {
		for i, slot := range h.nightSlots() {
			night := h.Arrive.AddDays(i)
			w.markSlot(at[h.PlaceID], slot, night, night.AddDays(1))
		}
	}
	return w, nil
}

// markSlot marks a host's slot busy from arrive to depart. A slot the host
// no longer has (their capacity went down) needs no marking: it is never
// offered.
func (w hostWindow) markSlot(host, slot int, arrive, depart calendar.Date) {
	if busy := w.hosts[host].busy; slot >= 0 && slot < len(busy) {
		w.mark(busy[slot], arrive, depart)
	}
}

// free returns the hosts who have marked every night from arrive to depart
// available and have a slot free (neither booked nor held) on each of them,
// with the slots free each night. The stay must lie within the window.
func (w hostWindow) free(arrive, depart calendar.Date) []hostCandidate {
	first, end, ok := w.span(arrive, depart)
	if !ok {
		return nil
	}
	var out []hostCandidate
	for _, h := range w.hosts {
		if !covers(h.ranges, arrive, depart) {
			continue
		}
		free := make([][]int, 0, end-first)
		for night := first; night < end; night++ {
			var slots []int
			for slot, busy := range h.busy {
				if !busy[night] {
					slots = append(slots, slot)
				}
			}
			if len(slots) == 0 {
				break // full that night
			}
			free = append(free, slots)
		}
		if len(free) == end-first {
			out = append(out, hostCandidate{host: h.host, free: free})
		}
	}
	return out
}
