package privacy_test

import (
	"context"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
)

// erasureColumns says, for every column of the tables erasure rewrites,
// whether erasure clears it or keeps it, and why it may keep it. A column
// added by a migration that is in neither fails TestErasure_KnowsEveryColumn:
// decide whether it is personal, and erase it in anonymise if so.
var erasureColumns = map[string]map[string]string{
	"carers": {
		"id": "keep: bookings and the audit log refer to it", "name": "clear", "mobile": "clear (a tombstone: NOT NULL and UNIQUE)",
		"email": "clear", "postcode": "clear", "latitude": "clear", "longitude": "clear",
		"allowance_nights": "keep: the allowance figures sum it", "allowance_year_starts": "keep: with the allowance",
		"emergency_card": "clear", "emergency_plan": "clear (a marker where there was one: \"plans held\" counts them)",
		"emergency_contact_name": "clear", "emergency_contact_phone": "clear",
		"created_at": "keep: the figures count carers registered by then", "updated_at": "set to the erasure",
	},
	"people": {
		"id": "keep", "carer_id": "keep", "name": "clear", "date_of_birth": "generalised: only as far as child or adult at each stay",
		"needs": "clear", "requirements": "clear", "staff_notes": "clear", "created_at": "keep", "updated_at": "set to the erasure",
	},
	"bookings": {
		"id": "keep", "reference": "keep: not personal, and homes' records use it", "status": "keep", "kind": "keep",
		"person_id": "keep (the tombstone)", "carer_id": "keep (the tombstone)", "place_kind": "keep", "place_id": "keep",
		"arrive": "keep", "depart": "keep", "nights": "keep", "nightly_rate_pence": "keep", "created_by_kind": "keep",
		"created_by_id": "keep", "idempotency_key": "keep: a random key", "idempotency_request": "keep: \"hold:\" and a hold id", "cancelled_at": "keep", "cancelled_by_kind": "keep",
		"cancelled_by_id": "keep", "cancel_reason": "clear", "allowance_restored": "keep", "moved_from_booking_id": "keep",
		"ended_early_at": "keep", "booked_depart": "keep", "allowance_kept_until": "keep",
		"override_problems": "clear (a marker)", "override_reason": "clear (a marker)", "created_at": "keep", "updated_at": "keep",
	},
}

func TestErasure_KnowsEveryColumn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		for table, known := range erasureColumns {
			for _, col := range columns(t, db, table) {
				if _, ok := known[col]; !ok {
					t.Errorf("%s.%s is new: say in erasureColumns whether erasure clears it (and clear it in privacy's anonymise) or keeps it, and why", table, col)
				}
			}
		}
	})
}

func columns(t *testing.T, db *bun.DB, table string) []string {
	t.Helper()
	q := db.NewRaw("SELECT name FROM pragma_table_info(?)", table)
	if dbtest.IsPostgres(db) {
		q = db.NewRaw("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?", table)
	}
	var cols []string
	if err := q.Scan(context.Background(), &cols); err != nil {
		t.Fatal(err)
	}
	if len(cols) == 0 {
		t.Fatalf("table %s has no columns", table)
	}
	slices.Sort(cols)
	return cols
}
