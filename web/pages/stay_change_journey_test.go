package pages_test

import (
	"strconv"
	"testing"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestBookingLineChangesAStay: David rings about Tom's stay a month ahead.
// Sam, on the booking line, extends it by two nights, then (David rings
// again) ends it a night early, then moves its last nights to another room,
// each with a reason, with JavaScript off. The stay's page shows each
// change, and the database holds exactly the nights the stay now has.
func TestBookingLineChangesAStay(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	room3, err := s.providers.CreateBed(t.Context(), s.admin, s.meadow.ID, providers.BedInput{Label: "Room 3", ContractID: s.room2.ContractID, BedType: "residential_dementia"})
	if err != nil {
		t.Fatal(err)
	}
	stay := s.tomsStay // Room 2, from 30 days ahead, 4 nights
	sam := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	sam.signInStaff("duty@example.test")
	sam.wantStatus(sam.Visit("/bookings/"+itoa(stay.ID)), 200)
	sam.sees("Tom Price at Meadow View Care Home, Room 2", "Change this stay", "4 nights")

	// Extend: two more nights at the end.
	sam.wantStatus(sam.FollowLink("Extend the stay"), 200)
	sam.sees("Extend Tom Price's stay")
	sam.fillDate("depart", stay.Depart.AddDays(2))
	sam.wantStatus(sam.Submit("Extend the stay"), 422)
	sam.sees("There is a problem", "Say why the stay is extended")
	sam.Fill("reason", "David's trip is two days longer")
	sam.wantStatus(sam.Submit("Extend the stay"), 200)
	sam.sees("The stay has been extended", "6 nights", stay.Depart.AddDays(2).Long())

	// End early: the service's own rule comes back as the form's error.
	sam.wantStatus(sam.FollowLink("End the stay early"), 200)
	sam.fillDate("on", stay.Arrive)
	sam.Fill("reason", "David is back sooner")
	sam.wantStatus(sam.Submit("End the stay early"), 422)
	sam.sees("There is a problem", "To call off the whole stay, cancel it")
	sam.fillDate("on", stay.Arrive.AddDays(5))
	sam.wantStatus(sam.Submit("End the stay early"), 200)
	sam.sees("The stay now ends sooner", "5 nights", "Ended early", "it was booked to "+stay.Depart.AddDays(2).Long())

	// Move the last two nights to Room 3.
	sam.wantStatus(sam.FollowLink("Move the stay to another place"), 200)
	sam.sees("Move Tom Price's stay", "Meadow View Care Home, Room 3")
	sam.fillDate("from", stay.Arrive.AddDays(3))
	sam.wantStatus(sam.Submit("Show places free from then"), 200)
	sam.wantStatus(sam.Submit("Move the stay"), 422)
	sam.sees("There is a problem", "Choose the place to move the stay to")
	sam.Choose("Meadow View Care Home, Room 3")
	sam.Fill("reason", "Room 2's window is being mended")
	sam.wantStatus(sam.Submit("Move the stay"), 200)
	sam.sees("The stay has been moved", "Tom Price at Meadow View Care Home, Room 3", "Moved from", stay.Reference, "2 nights")

	var rest booking.Booking
	if err := s.db.NewSelect().Model(&rest).Where("moved_from_booking_id = ?", stay.ID).Scan(t.Context()); err != nil {
		t.Fatalf("no booking continues Tom's stay: %v", err)
	}
	if rest.PlaceID != room3.ID || rest.Arrive != stay.Arrive.AddDays(3) || rest.Depart != stay.Arrive.AddDays(5) {
		t.Errorf("the rest of the stay = %+v", rest)
	}
	var nights []booking.Night
	if err := s.db.NewSelect().Model(&nights).Where("person_id = ?", s.tom.ID).OrderExpr("night").Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	var where []int64
	for _, n := range nights {
		where = append(where, n.PlaceID)
	}
	if want := []int64{s.room2.ID, s.room2.ID, s.room2.ID, room3.ID, room3.ID}; len(where) != len(want) || where[0] != want[0] || where[3] != want[3] || where[4] != want[4] {
		t.Errorf("Tom's nights are at beds %v, want %v", where, want)
	}
	var actions []string
	if err := s.db.NewSelect().Table("audit_log").Column("action").Where("target_kind = 'booking' AND target_id = ?", stay.ID).OrderExpr("id").Scan(t.Context(), &actions); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 4 || actions[1] != "booking.extended" || actions[2] != "booking.ended_early" || actions[3] != "booking.moved" {
		t.Errorf("audit of the stay = %v", actions)
	}
}

// TestDutyPlacesDespite: the bed that suits Margaret is not the one the
// duty officer can use tonight (say, the home cannot get staff to it), so
// Sam places her in a bed that does not suit on paper. Without a reason to
// override it is refused; with one it is placed, and the placement's page
// says what did not suit and why she is there all the same.
func TestDutyPlacesDespite(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ctx := t.Context()
	hill, err := s.providers.CreateProvider(ctx, s.admin, providers.ProviderInput{
		Name: "Hillside House", Address: "2 Hill Road, Leeds", Postcode: "LS8 1AA",
		Latitude: f64(53.8270), Longitude: f64(-1.5100), Phone: "0113 496 0002", BedTypes: []string{"residential"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rate := int64(12000)
	contract, err := s.providers.CreateContract(ctx, s.admin, hill.ID, providers.ContractInput{Kind: providers.KindBlock, Reference: "LCC-BLK-2",
		NightlyRatePence: &rate, StartsOn: s.today.AddDays(-30), EndsOn: s.today.AddDays(400)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.providers.CreateBed(ctx, s.admin, hill.ID, providers.BedInput{Label: "Room 1", ContractID: contract.ID, BedType: "residential"}); err != nil {
		t.Fatal(err)
	}

	sam := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	sam.signInStaff("duty@example.test")
	sam.wantStatus(sam.Visit("/duty/people/"+itoa(s.margaret.ID)+"/tonight"), 200)
	sam.sees("Free, but not suitable", "Hillside House, Room 1", "It is a residential bed, and Margaret Okafor needs a residential dementia or nursing dementia bed")
	sam.wantStatus(sam.FollowLink("Place anyway at Hillside House, Room 1"), 200)
	sam.sees("This place does not suit Margaret Okafor on paper", "It is a residential bed")
	sam.Fill("reason", "Helen admitted to hospital tonight")
	sam.wantStatus(sam.Submit("Place Margaret Okafor here"), 422)
	sam.sees("There is a problem", "give a reason to override")
	sam.Fill("override", "Meadow View cannot staff Room 1 tonight; Hillside will manage overnight")
	sam.wantStatus(sam.Submit("Place Margaret Okafor here"), 200)
	sam.sees("Margaret Okafor is placed", "Placed despite: It is a residential bed", "reason: Meadow View cannot staff Room 1 tonight")

	var p booking.Person
	if err := s.db.NewSelect().Model(&p).Where("id = ?", s.margaret.ID).Scan(ctx); err != nil || len(p.Needs) != 1 || p.Needs[0] != "dementia" {
		t.Errorf("Margaret's record = %+v, %v; it must not be changed to make the match", p.Needs, err)
	}
	var overrides int
	if err := s.db.NewSelect().Table("audit_log").ColumnExpr("count(*)").Where("action = 'emergency.override'").Scan(ctx, &overrides); err != nil || overrides != 1 {
		t.Errorf("override audit entries = %d, %v", overrides, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
