package booking

import (
	"context"
	"database/sql"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/contact"
)

// The duty console: finding a carer at 3am from whatever the caller has to
// hand, and the carer's file once found. Finding lists names only; opening
// the file shows the emergency plan and the people's care details, so
// opening it is audited, as reading an emergency card is.

// maxCarerMatches is how many carers one search shows: enough to pick from,
// few enough that a vague search asks for a better one.
const maxCarerMatches = 20

// Ways a search can match a carer, best first.
const (
	matchCard      = "emergency card"
	matchReference = "booking" // followed by the reference
	matchMobile    = "mobile"
	matchPostcode  = "postcode"
	matchName      = "name"
)

// CarerMatch is a carer found by FindCarers.
type CarerMatch struct {
	// Matched says what the search matched: "emergency card", "booking
	// K7M-4QX" (the reference), "mobile", "postcode" or "name". A carer
	// matched more than one way shows the best.
	Matched string
	// Exact is true when the search was the carer's emergency card number
	// or one of their booking references: it names this carer and no
	// other, so a page may go straight to their file.
	Exact bool
	// Carer is the carer's record without the emergency plan and the
	// emergency contact (EmergencyPlan, EmergencyContactName and
	// EmergencyContactPhone are left empty): those are read with CarerFile,
	// which is audited.
	Carer Carer
	// People are the names of the people the carer looks after, in the
	// order they were added.
	People []string
}

// FindCarers finds carers from one search box: an emergency card number,
// part of a carer's name, a postcode, a mobile number or a booking
// reference, each written any way people write them ("lds ec 0101" finds
// LDS-EC-0101; "ls27ew" finds LS2 7EW; "07700 900101" finds +447700900101;
// "k7m4qx" finds K7M-4QX). It returns at most 20 carers, best first: an
// exact card or booking reference, then a mobile number, a postcode, and
// names (whole name, then names starting with the search, then the rest).
// It lists no care details and is not audited.
//
// It returns ErrNotAllowed to anyone but duty staff and administrators, and
// an Invalid error on field "q" for a search under 2 characters (or over
// 200).
func (s *Service) FindCarers(ctx context.Context, actor accounts.Principal, query string) ([]CarerMatch, error) {
	if !runsCarers(actor) {
		return nil, errMayNotSeeCarers
	}
	query = strings.Join(strings.Fields(query), " ")
	switch n := utf8.RuneCountInString(query); {
	case n < 2:
		return nil, apperr.Invalidf("q", "Enter at least 2 characters: an emergency card number, a name, a postcode, a mobile number or a booking reference.")
	case n > maxNameRunes:
		return nil, apperr.Invalidf("q", "Enter at most %d characters.", maxNameRunes)
	}
	hits, err := carerHits(ctx, s.db, query)
	if err != nil {
		return nil, err
	}
	return carerMatches(ctx, s.db, hits)
}

// carerHit is one carer a search matched, and how.
type carerHit struct {
	carerID int64
	matched string
	exact   bool
}

// carerHits runs each way of matching, best first, and keeps each carer's
// best match, up to maxCarerMatches.
func carerHits(ctx context.Context, db bun.IDB, query string) ([]carerHit, error) {
	key := searchKey(query)
	var hits []carerHit
	seen := map[int64]bool{}
	add := func(matched string, exact bool, ids []int64) {
		for _, id := range ids {
			if !seen[id] && len(hits) < maxCarerMatches {
				seen[id] = true
				hits = append(hits, carerHit{carerID: id, matched: matched, exact: exact})
			}
		}
	}

	if key != "" {
		// Cards are stored upper-case with dashes (emergencyCardPattern);
		// spaces are taken out too, for any kept from before that rule.
		var ids []int64
		if err := db.NewSelect().Model((*Carer)(nil)).Column("id").
			Where("upper(replace(replace(emergency_card, '-', ''), ' ', '')) = ?", key).
			OrderExpr("id").Limit(maxCarerMatches).Scan(ctx, &ids); err != nil {
			return nil, apperr.Wrapf(err, "finding carers by emergency card")
		}
		add(matchCard, true, ids)
	}
	if ref, ok := referenceFor(key); ok {
		var ids []int64
		if err := db.NewSelect().Model((*Booking)(nil)).Column("carer_id").
			Where("reference = ?", ref).Scan(ctx, &ids); err != nil {
			return nil, apperr.Wrapf(err, "finding carers by booking reference")
		}
		add(matchReference+" "+ref, true, ids)
	}
	// A mobile number is typed in digits; letters would be read as a
	// vanity number ("LDSEC0101" dials 537320101).
	if !strings.ContainsFunc(query, unicode.IsLetter) {
		if e164, err := contact.ParsePhone(query); err == nil {
			var ids []int64
			if err := db.NewSelect().Model((*Carer)(nil)).Column("id").
				Where("mobile = ?", e164).Scan(ctx, &ids); err != nil {
				return nil, apperr.Wrapf(err, "finding carers by mobile number")
			}
			add(matchMobile, false, ids)
		}
	}
	if pc, err := contact.ParsePostcode(query); err == nil {
		// Postcodes are stored as ParsePostcode writes them; the space and
		// case are ignored all the same, for any kept from before that rule.
		var ids []int64
		if err := db.NewSelect().Model((*Carer)(nil)).Column("id").
			Where("upper(replace(postcode, ' ', '')) = ?", strings.ReplaceAll(pc, " ", "")).
			OrderExpr("name, id").Limit(maxCarerMatches).Scan(ctx, &ids); err != nil {
			return nil, apperr.Wrapf(err, "finding carers by postcode")
		}
		add(matchPostcode, false, ids)
	}

	name := strings.ToLower(query)
	var ids []int64
	if err := db.NewSelect().Model((*Carer)(nil)).Column("id").
		Where("lower(name) LIKE ? ESCAPE '\\'", "%"+escapeLikeCarer(name)+"%").
		OrderExpr("CASE WHEN lower(name) = ? THEN 0 WHEN lower(name) LIKE ? ESCAPE '\\' THEN 1 ELSE 2 END, name, id", name, escapeLikeCarer(name)+"%").
		Limit(maxCarerMatches).Scan(ctx, &ids); err != nil {
		return nil, apperr.Wrapf(err, "finding carers by name")
	}
	add(matchName, false, ids)
	return hits, nil
}

// carerMatches reads the carers hits found, and their people's names, in
// the hits' order.
func carerMatches(ctx context.Context, db bun.IDB, hits []carerHit) ([]CarerMatch, error) {
	out := make([]CarerMatch, 0, len(hits))
	if len(hits) == 0 {
		return out, nil
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.carerID
	}
	var carers []Carer
	if err := db.NewSelect().Model(&carers).
		ExcludeColumn(planColumns...).
		Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "reading the carers found")
	}
	var people []Person
	if err := db.NewSelect().Model(&people).Column("carer_id", "name").
		Where("carer_id IN (?)", bun.In(ids)).OrderExpr("id").Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "reading the names of the carers' people")
	}
	byID := make(map[int64]Carer, len(carers))
	for _, c := range carers {
		byID[c.ID] = c
	}
	names := make(map[int64][]string, len(carers))
	for _, p := range people {
		names[p.CarerID] = append(names[p.CarerID], p.Name)
	}
	for _, h := range hits {
		c, ok := byID[h.carerID]
		if !ok {
			continue
		}
		out = append(out, CarerMatch{Matched: h.matched, Exact: h.exact, Carer: c, People: append([]string{}, names[h.carerID]...)})
	}
	return out, nil
}

// searchKey is what a search reads as once everything but letters and
// digits is taken out, upper-case: how card numbers and references are
// compared however they were typed.
func searchKey(query string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	}, query)
}

// referenceFor writes key as a booking reference the way newReference
// makes them ("K7M4QX" → "K7M-4QX"), so a search by reference uses the
// references' unique index. ok is false when key cannot be a reference.
func referenceFor(key string) (ref string, ok bool) {
	if len(key) != 6 || strings.IndexFunc(key, func(r rune) bool { return !strings.ContainsRune(referenceAlphabet, r) }) >= 0 {
		return "", false
	}
	return key[:3] + "-" + key[3:], true
}

// tidyFinders writes the filter's reference and mobile number as they are
// stored (K7M-4QX, +447700900123), however they were typed, adding to
// fields a message for either that cannot be one.
func (f *BookingFilter) tidyFinders(fields *apperr.Fields) {
	if f.Reference != "" {
		ref, ok := referenceFor(searchKey(f.Reference))
		if !ok {
			fields.Add("reference", "A booking reference is 6 letters and numbers, like K7M-4QX (there is no O, 0, I or 1 in one).")
		}
		f.Reference = ref
	}
	if f.Mobile != "" {
		e164, err := contact.ParsePhone(f.Mobile)
		if err != nil {
			fields.Add("mobile", "Enter a mobile number, like 07700 900123.")
		}
		f.Mobile = e164
	}
}

// CarerFile is what the duty officer's page about a carer shows.
type CarerFile struct {
	// Carer is the whole record, with the emergency plan and emergency
	// contact.
	Carer Carer
	// People are the people the carer looks after, in the order they were
	// added, with their needs, requirements and staff notes.
	People []Person
	// Current are the confirmed stays under way today (arrived on or
	// before today, departing after it): where the carer's people are now.
	Current []Stay
	// Upcoming are the confirmed stays arriving after today, soonest first.
	Upcoming []Stay
}

// CarerFile returns what the duty team needs to know about a carer: their
// record with the emergency plan, the people they care for with their care
// details, and their stays now and to come. Every read is audited
// (audit.EmergencyLookup on the carer, for the emergency plan, and
// audit.PersonNeedsRead on each person), in the transaction that reads the
// carer and their people, so nothing is shown without its record.
//
// It returns ErrNotAllowed to anyone but duty staff and administrators (a
// carer's own pages never show staff notes), and ErrCarerNotFound.
func (s *Service) CarerFile(ctx context.Context, actor accounts.Principal, carerID int64) (CarerFile, error) {
	if !runsCarers(actor) {
		return CarerFile{}, errMayNotSeeCarers
	}
	// Stays are read first and on their own (Stays reads outside any
	// transaction); if the audited reads below fail, nothing is shown.
	var file CarerFile
	var err error
	if file.Current, file.Upcoming, err = s.StaysNowAndNext(ctx, actor, carerID); err != nil {
		return CarerFile{}, err
	}
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if file.Carer, err = carerByID(ctx, tx, carerID); err != nil {
			return err
		}
		if file.People, err = peopleOfCarer(ctx, tx, carerID); err != nil {
			return err
		}
		const reason = "carer's file on the duty console"
		if err := audit.Record(ctx, tx, s.now(), actor, audit.EmergencyLookup, auditCarer, carerID, reason); err != nil {
			return err
		}
		ids := make([]int64, len(file.People))
		for i, p := range file.People {
			ids[i] = p.ID
		}
		return insertReads(ctx, tx, s.now(), actor, audit.PersonNeedsRead, auditPerson, ids, reason)
	})
	if err != nil {
		return CarerFile{}, err
	}
	return file, nil
}

// StaysNowAndNext returns a carer's confirmed stays under way today
// (arrived on or before today, departing after it: where their people are
// now) and those arriving after today, soonest first: what the duty team
// needs to know before placing anyone. Neither is ever nil. It returns
// ErrNotAllowed to staff other than duty and administrators,
// ErrCarerNotFound, and to a carer asking about anyone else,
// ErrCarerNotFound too.
func (s *Service) StaysNowAndNext(ctx context.Context, actor accounts.Principal, carerID int64) (current, upcoming []Stay, err error) {
	stays, _, err := s.Stays(ctx, actor, carerID)
	if err != nil {
		return nil, nil, err
	}
	current, upcoming = []Stay{}, []Stay{}
	today := s.today()
	for _, st := range stays {
		if st.Arrive.After(today) {
			upcoming = append(upcoming, st)
		} else {
			current = append(current, st)
		}
	}
	return current, upcoming, nil
}
