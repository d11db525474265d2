package pages_test

import (
	"testing"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestBookingLineBooksForACarer: Helen rings the booking line. Sam finds
// her by her mobile, books Margaret a break through the carer's own
// screens, finds the booking again by its reference, and cancels it with a
// reason.
func TestBookingLineBooksForACarer(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	sam := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	sam.signInStaff("duty@example.test")
	sam.wantStatus(sam.FollowLink("Bookings"), 200)
	sam.Fill("q", "07700 900101")
	sam.wantStatus(sam.Submit("Search"), 200)
	sam.sees("1 carer found", "Helen Okafor", "mobile")
	sam.wantStatus(sam.FollowLink("Helen Okafor"), 200)
	sam.sees("Booking line", "28 nights left of 28")

	sam.wantStatus(sam.Click(`a[href^="/book?carer="]`), 200)
	sam.sees("When is the break?", "A break for Margaret Okafor")
	arrive := s.today.AddDays(21)
	sam.fillDate("arrive", arrive)
	sam.Fill("nights", "2")
	sam.wantStatus(sam.Submit("Find places"), 200)
	sam.wantStatus(sam.Submit("Choose this place: Meadow View Care Home, Room 2"), 200)
	sam.wantStatus(sam.Submit("Book this stay"), 200)
	sam.sees("Stay booked", "We have texted the carer")

	var b booking.Booking
	if err := s.db.NewSelect().Model(&b).Where("carer_id = ? AND status = 'confirmed'", s.helen.ID).Scan(t.Context()); err != nil {
		t.Fatalf("no booking for Helen: %v", err)
	}
	if b.CreatedByKind != "staff" || b.CreatedByID != s.duty.ID {
		t.Errorf("booking made by %s %d, want the duty officer %d", b.CreatedByKind, b.CreatedByID, s.duty.ID)
	}

	// Later: Helen rings to cancel, quoting her reference.
	sam.wantStatus(sam.FollowLink("Bookings"), 200)
	sam.Fill("q", b.Reference)
	sam.wantStatus(sam.Submit("Search"), 200)
	sam.sees("Helen Okafor", b.Reference)
	sam.wantStatus(sam.FollowLink(b.Reference), 200)
	sam.wantStatus(sam.Submit("Cancel the stay"), 422)
	sam.sees("Say why the booking is cancelled")
	sam.Fill("reason", "Helen rang: Margaret is in hospital")
	sam.wantStatus(sam.Submit("Cancel the stay"), 200)
	sam.sees("The stay has been cancelled", "Cancelled")
	var status string
	if err := s.db.NewSelect().Table("bookings").Column("status").Where("id = ?", b.ID).Scan(t.Context(), &status); err != nil || status != booking.StatusCancelled {
		t.Errorf("status = %q, %v", status, err)
	}
}
