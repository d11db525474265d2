package privacy_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
)

// now is the fixed time of these tests: midday in London, 1 March 2027.
var now = time.Date(2027, time.March, 1, 12, 0, 0, 0, time.UTC)

var today = calendar.Of(now.In(calendar.London))

var (
	admin = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Ada Admin", Role: accounts.RoleAdmin}
	duty  = accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Name: "Dan Duty", Role: accounts.RoleDuty}
)

// insert adds a row to table and returns its id (0 for tables with none).
func insert(t *testing.T, db bun.IDB, table string, row map[string]any) int64 {
	t.Helper()
	cols := slices.Sorted(maps.Keys(row))
	args := make([]any, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		args[i], marks[i] = row[c], "?"
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(marks, ", "))
	ctx := context.Background()
	switch table {
	case "booking_nights", "sessions", "sms_opt_outs", "holds":
		if _, err := db.NewRaw(q, args...).Exec(ctx); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return 0
	}
	var id int64
	if err := db.NewRaw(q+" RETURNING id", args...).Scan(ctx, &id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// world is a care home with a block bed, and carers to export and erase.
type world struct {
	db    *bun.DB
	bedID int64
	n     int // stays booked
	k     int // subjects added
}

func newWorld(t *testing.T, db *bun.DB) *world {
	t.Helper()
	created := now.AddDate(-1, 0, 0).UTC()
	home := insert(t, db, "providers", map[string]any{
		"name": "Oakwood House", "address": "1 Road, Leeds", "postcode": "LS1 4AP", "latitude": 53.8, "longitude": -1.55,
		"phone": "0113 496 0001", "bed_types": `["residential"]`, "specialisms": `[]`, "age_groups": `["adults"]`,
		"active": true, "created_at": created, "updated_at": created,
	})
	contract := insert(t, db, "contracts", map[string]any{
		"provider_id": home, "kind": "block", "reference": "BLK-1", "starts_on": today.AddDays(-400), "ends_on": today.AddDays(400),
		"nightly_rate_pence": 15000, "created_at": created, "updated_at": created,
	})
	bed := insert(t, db, "beds", map[string]any{
		"provider_id": home, "contract_id": contract, "label": "Room 1", "bed_type": "residential", "features": `["hoist"]`,
		"emergency_reserved": false, "active": true, "created_at": created, "updated_at": created,
	})
	return &world{db: db, bedID: bed}
}

// subject is a carer with a row in every table that holds a carer's data,
// and the personal values those rows hold.
type subject struct {
	carerID, personID int64
	past, cancelled   int64 // bookings
	mobile            string
	personal          []string // values erasure must remove
}

// stay books nights arrive to depart (days from today) for the person.
func (w *world) stay(t *testing.T, carerID, personID int64, arrive, depart int, status string, extra map[string]any) int64 {
	t.Helper()
	w.n++
	created := now.AddDate(0, -2, 0).UTC()
	a, d := today.AddDays(arrive), today.AddDays(depart)
	row := map[string]any{
		"reference": fmt.Sprintf("R-%03d", w.n), "status": status, "kind": "planned", "person_id": personID, "carer_id": carerID,
		"place_kind": "bed", "place_id": w.bedID, "arrive": a, "depart": d, "nights": a.DaysUntil(d), "nightly_rate_pence": 15000,
		"created_by_kind": "carer", "created_by_id": carerID, "allowance_restored": status == "cancelled",
		"created_at": created, "updated_at": created,
	}
	maps.Copy(row, extra)
	id := insert(t, w.db, "bookings", row)
	if status == "confirmed" {
		for n := a; n.Before(d); n = n.AddDays(1) {
			insert(t, w.db, "booking_nights", map[string]any{"place_kind": "bed", "place_id": w.bedID, "night": n, "slot": w.n, "booking_id": id, "person_id": personID})
		}
	}
	return id
}

// newSubject adds a carer, with a person, a past stay, a cancelled one, a
// hold, texts, sign-ins, feedback, an unmet search and audit entries.
func (w *world) newSubject(t *testing.T, mobile string) subject {
	t.Helper()
	db, ctx := w.db, context.Background()
	created := now.AddDate(-1, 0, 0).UTC()
	s := subject{mobile: mobile}
	shift := 5 * w.k // each subject's stays on nights of their own
	w.k++
	s.carerID = insert(t, db, "carers", map[string]any{
		"name": "Alice Example " + mobile, "mobile": mobile, "email": "alice" + mobile + "@example.org", "postcode": "LS6 1AA",
		"latitude": 53.82, "longitude": -1.58, "allowance_nights": 28, "allowance_year_starts": today.AddDays(-100),
		"emergency_card": "CARD-" + mobile, "emergency_plan": "Ring her sister Sue, who has a key",
		"emergency_contact_name": "Sue Sister", "emergency_contact_phone": "+447700900999", "created_at": created, "updated_at": created,
	})
	s.personID = insert(t, db, "people", map[string]any{
		"carer_id": s.carerID, "name": "Margaret Example", "date_of_birth": calendar.Date{Year: 1940, Month: time.May, Day: 17},
		"needs": `["dementia"]`, "requirements": `["hoist"]`, "staff_notes": "Likes tea at four", "created_at": created, "updated_at": created,
	})
	s.past = w.stay(t, s.carerID, s.personID, -40-shift, -37-shift, "confirmed", map[string]any{
		"override_reason": "Only bed free that night", "override_problems": "It has no hoist",
	})
	cancelledAt := now.AddDate(0, 0, -20).UTC()
	s.cancelled = w.stay(t, s.carerID, s.personID, -20-shift, -18-shift, "cancelled", map[string]any{
		"cancelled_at": cancelledAt, "cancelled_by_kind": "carer", "cancelled_by_id": s.carerID, "cancel_reason": "Margaret went into hospital",
	})
	insert(t, db, "holds", map[string]any{
		"id": "hold-" + mobile, "person_id": s.personID, "carer_id": s.carerID, "place_kind": "bed", "place_id": w.bedID, "slot": 0,
		"arrive": today.AddDays(30), "depart": today.AddDays(32), "created_by_kind": "carer", "created_by_id": s.carerID,
		"created_at": now.Add(-time.Minute).UTC(), "expires_at": now.Add(9 * time.Minute).UTC(),
	})
	sent := now.AddDate(0, 0, -38).UTC()
	insert(t, db, "sms_messages", map[string]any{
		"dedupe_key": "test:" + mobile, "recipient": mobile, "template": "stay_follow_up", "data": `{"reference":"R-001"}`,
		"body": "How was Margaret's stay at Oakwood House? Reply 1 to 5", "urgent": false, "status": "delivered", "attempts": 1,
		"not_before": sent, "next_attempt_at": sent, "provider": "twilio", "provider_message_id": "SM" + mobile[1:],
		"last_error": "", "created_at": sent, "updated_at": sent, "sent_at": sent, "delivered_at": sent,
	})
	insert(t, db, "sms_receipts", map[string]any{"provider_message_id": "SM" + mobile[1:], "status": "delivered", "error_code": "", "received_at": sent})
	insert(t, db, "sms_opt_outs", map[string]any{"phone": mobile, "keyword": "STOP", "opted_out_at": sent})
	insert(t, db, "sessions", map[string]any{"token_hash": "hash-" + mobile, "subject_kind": "carer", "subject_id": s.carerID,
		"created_at": now.Add(-time.Hour).UTC(), "expires_at": now.Add(time.Hour).UTC()})
	insert(t, db, "sign_in_codes", map[string]any{"phone": mobile, "code_hash": "code-" + mobile, "attempts": 0,
		"created_at": now.Add(-time.Hour).UTC(), "expires_at": now.Add(-50 * time.Minute).UTC(), "used_at": now.Add(-time.Hour).UTC()})
	insert(t, db, "stay_feedback", map[string]any{"booking_id": s.past, "carer_id": s.carerID, "rating": 5,
		"comment": "The staff were lovely with Margaret", "replies": 2, "received_at": sent, "last_reply_at": sent})
	insert(t, db, "unmet_searches", map[string]any{"searched_at": now.AddDate(0, 0, -10).UTC(), "arrive": today.AddDays(10), "depart": today.AddDays(12),
		"needs": `["dementia"]`, "requirements": `["hoist"]`, "age_group": "adults", "area": "LS6", "person_id": s.personID, "carer_id": s.carerID, "kind": "planned"})
	if err := audit.Record(ctx, db, now.Add(-time.Hour), duty, audit.EmergencyLookup, "carer", s.carerID, "card lookup"); err != nil {
		t.Fatal(err)
	}
	if err := audit.RecordChange(ctx, db, now.Add(-time.Hour), duty, audit.PersonChanged, "person", s.personID, []string{"needs"}, ""); err != nil {
		t.Fatal(err)
	}
	s.personal = []string{"Alice Example " + mobile, mobile, "alice" + mobile + "@example.org", "LS6 1AA", "CARD-" + mobile,
		"Ring her sister", "Sue Sister", "+447700900999", "Margaret Example", "1940-05-17", "dementia", "hoist", "Likes tea at four",
		"Only bed free that night", "It has no hoist", "Margaret went into hospital", "How was Margaret", "The staff were lovely", "53.82"}
	return s
}

func itoa(n int64) string { return fmt.Sprint(n) }
