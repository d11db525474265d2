package sharedlives_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/sharedlives"
)

// guestBook writes stays at hosts as the booking package does: a booking
// row and one booking_nights row per night, arrive to depart-1. Each stay
// is a person of its own, so stays may overlap (in different slots).
type guestBook struct {
	db    *bun.DB
	carer booking.Carer
}

func newGuestBook(t *testing.T, db *bun.DB) *guestBook {
	t.Helper()
	c := booking.Carer{Name: "Pat Jones", Mobile: "+447700900481", Postcode: "LS6 2AB", Latitude: 53.8, Longitude: -1.5,
		AllowanceNights: 28, AllowanceYearStarts: d("2026-04-01"), CreatedAt: hostsNow, UpdatedAt: hostsNow}
	if _, err := db.NewInsert().Model(&c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &guestBook{db: db, carer: c}
}

// stay is one booking for guestBook to write.
type stay struct {
	host           int64
	guest, ref     string
	arrive, depart string
	slot           int
	cancelled      bool
	place          string // booking.PlaceHost unless set
}

func (g *guestBook) book(t *testing.T, s stay) {
	t.Helper()
	if err := g.write(context.Background(), g.db, s); err != nil {
		t.Fatalf("booking %s: %v", s.ref, err)
	}
}

func (g *guestBook) write(ctx context.Context, db bun.IDB, s stay) error {
	p := booking.Person{CarerID: g.carer.ID, Name: s.guest, DateOfBirth: d("1950-01-01"), Needs: []string{}, Requirements: []string{},
		StaffNotes: "Not for hosts.", CreatedAt: hostsNow, UpdatedAt: hostsNow}
	if _, err := db.NewInsert().Model(&p).Exec(ctx); err != nil {
		return err
	}
	status := booking.StatusConfirmed
	if s.cancelled {
		status = booking.StatusCancelled
	}
	place := s.place
	if place == "" {
		place = booking.PlaceHost
	}
	arrive, depart := d(s.arrive), d(s.depart)
	b := booking.Booking{
		Reference: s.ref, Status: status, Kind: booking.KindPlanned, PersonID: p.ID, CarerID: g.carer.ID,
		PlaceKind: place, PlaceID: s.host, Arrive: arrive, Depart: depart, Nights: arrive.DaysUntil(depart),
		CreatedByKind: "staff", CreatedByID: 1, CreatedAt: hostsNow, UpdatedAt: hostsNow,
	}
	if _, err := db.NewInsert().Model(&b).Exec(ctx); err != nil {
		return err
	}
	// A cancelled booking's nights are deleted when it is cancelled; they
	// are kept here to show that its status alone keeps it from counting.
	var nights []booking.Night
	for n := arrive; n.Before(depart); n = n.AddDays(1) {
		nights = append(nights, booking.Night{PlaceKind: place, PlaceID: s.host, Night: n, Slot: s.slot, BookingID: b.ID, PersonID: p.ID})
	}
	_, err := db.NewInsert().Model(&nights).Exec(ctx)
	return err
}

// storedSpans reads the host's current calendar straight from the table.
func storedSpans(t *testing.T, db *bun.DB, hostID int64) []string {
	t.Helper()
	var rs []sharedlives.Range
	if err := db.NewSelect().Model(&rs).Where("host_id = ?", hostID).Where("ends_on >= ?", calendar.Of(hostsNow)).
		OrderExpr("starts_on").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return spans(rs)
}

func confirmedAt(t *testing.T, f *fixture, hostID int64) *time.Time {
	t.Helper()
	h, err := f.svc.Host(context.Background(), asCoordinator, hostID)
	if err != nil {
		t.Fatal(err)
	}
	return h.AvailabilityConfirmedAt
}

// wantGuestBooked checks that err is ErrGuestBooked with message.
func wantGuestBooked(t *testing.T, err error, message string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !errors.Is(err, sharedlives.ErrGuestBooked) || !ok || e.Kind != apperr.Conflict {
		t.Fatalf("err = %v, want ErrGuestBooked (Conflict)", err)
	}
	if e.Message != message {
		t.Errorf("message:\n got %q\nwant %q", e.Message, message)
	}
}

// The calendar each change test starts from.
var startingCalendar = ranges("2026-12-01", "2026-12-05", "2026-12-10", "2026-12-12", "2027-01-01", "2027-01-31")

func TestService_AddAvailability(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tests := []struct {
			name     string
			from, to string
			want     []string
		}{
			{"a range of its own", "2026-12-20", "2026-12-22",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2026-12-20..2026-12-22", "2027-01-01..2027-01-31"}},
			{"runs on from a range", "2026-12-06", "2026-12-08",
				[]string{"2026-12-01..2026-12-08", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"runs into a range", "2026-12-28", "2026-12-31",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2026-12-28..2027-01-31"}},
			{"fills the gap between two", "2026-12-06", "2026-12-09",
				[]string{"2026-12-01..2026-12-12", "2027-01-01..2027-01-31"}},
			{"overlaps two", "2026-12-03", "2026-12-11",
				[]string{"2026-12-01..2026-12-12", "2027-01-01..2027-01-31"}},
			{"covers them all", "2026-11-30", "2027-02-01", []string{"2026-11-30..2027-02-01"}},
			{"inside a range changes nothing", "2026-12-02", "2026-12-04",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"one day", "2026-12-25", "2026-12-25",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2026-12-25..2026-12-25", "2027-01-01..2027-01-31"}},
			{"from before today counts from today", "2026-11-01", "2026-11-25",
				[]string{"2026-11-23..2026-11-25", "2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"to the horizon", "2028-05-20", "2028-05-24",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31", "2028-05-20..2028-05-24"}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.clk.Set(hostsNow)
				h := f.mustApproved(t, anotherHost("Add", fmt.Sprintf("07700 9004%02d", i)))
				if _, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, startingCalendar); err != nil {
					t.Fatal(err)
				}
				f.clk.Set(hostsNow.Add(time.Hour))
				got, err := f.svc.AddAvailability(ctx, asHost(h), h.ID, d(tt.from), d(tt.to))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, spans(got)); diff != "" {
					t.Errorf("returned calendar (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.want, storedSpans(t, db, h.ID)); diff != "" {
					t.Errorf("stored calendar (-want +got):\n%s", diff)
				}
				if at := confirmedAt(t, f, h.ID); at == nil || !at.Equal(hostsNow.Add(time.Hour)) {
					t.Errorf("confirmed at %v, want %v", at, hostsNow.Add(time.Hour))
				}
			})
		}
	})
}

func TestService_RemoveAvailability(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tests := []struct {
			name     string
			from, to string
			want     []string
		}{
			{"splits a range", "2027-01-10", "2027-01-12",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-09", "2027-01-13..2027-01-31"}},
			{"one night", "2026-12-03", "2026-12-03",
				[]string{"2026-12-01..2026-12-02", "2026-12-04..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"the first night of a range", "2026-12-01", "2026-12-01",
				[]string{"2026-12-02..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"the last night of a range", "2027-01-31", "2027-01-31",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-30"}},
			{"across two ranges", "2026-12-04", "2026-12-10",
				[]string{"2026-12-01..2026-12-03", "2026-12-11..2026-12-12", "2027-01-01..2027-01-31"}},
			{"a whole range", "2026-12-10", "2026-12-12",
				[]string{"2026-12-01..2026-12-05", "2027-01-01..2027-01-31"}},
			{"dates not in the calendar change nothing", "2026-12-20", "2026-12-25",
				[]string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"from before today counts from today", "2026-11-01", "2026-12-02",
				[]string{"2026-12-03..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}},
			{"everything", "2026-11-23", "2028-05-24", []string{}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.clk.Set(hostsNow)
				h := f.mustApproved(t, anotherHost("Remove", fmt.Sprintf("07700 9004%02d", i)))
				if _, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, startingCalendar); err != nil {
					t.Fatal(err)
				}
				f.clk.Set(hostsNow.Add(time.Hour))
				got, err := f.svc.RemoveAvailability(ctx, asHost(h), h.ID, d(tt.from), d(tt.to))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, spans(got)); diff != "" {
					t.Errorf("returned calendar (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.want, storedSpans(t, db, h.ID)); diff != "" {
					t.Errorf("stored calendar (-want +got):\n%s", diff)
				}
				if at := confirmedAt(t, f, h.ID); at == nil || !at.Equal(hostsNow.Add(time.Hour)) {
					t.Errorf("confirmed at %v, want %v", at, hostsNow.Add(time.Hour))
				}
			})
		}

		t.Run("a range that has begun keeps its past", func(t *testing.T) {
			f.clk.Set(hostsNow)
			h := f.mustApproved(t, anotherHost("Begun", "07700 900470"))
			if _, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, ranges("2026-11-20", "2026-11-30")); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.RemoveAvailability(ctx, asHost(h), h.ID, d("2026-11-01"), d("2026-11-25"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"2026-11-26..2026-11-30"}, spans(got)); diff != "" {
				t.Errorf("current calendar (-want +got):\n%s", diff)
			}
			var all []sharedlives.Range
			if err := db.NewSelect().Model(&all).Where("host_id = ?", h.ID).OrderExpr("starts_on").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"2026-11-20..2026-11-22", "2026-11-26..2026-11-30"}, spans(all)); diff != "" {
				t.Errorf("stored, history included (-want +got):\n%s", diff)
			}
		})
	})
}

// TestService_GuestBooked checks that no change to a calendar takes away a
// night a guest is booked to stay, and that the refusal says whose stay.
func TestService_GuestBooked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		g := newGuestBook(t, db)
		sue := f.mustApproved(t, validHost()) // takes two guests at once
		raj := f.mustApproved(t, anotherHost("Raj Shah", "07700 900490"))
		december := ranges("2026-12-01", "2026-12-31")
		for _, h := range []sharedlives.Host{sue, raj} {
			if _, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, december); err != nil {
				t.Fatal(err)
			}
		}
		wantDecember := []string{"2026-12-01..2026-12-31"}
		confirmed := confirmedAt(t, f, sue.ID)
		f.clk.Advance(time.Hour)

		// Margaret's nights are 6, 7 and 8 December; she leaves on the 9th.
		g.book(t, stay{host: sue.ID, guest: "Margaret Rose Hill", ref: "ABC2345", arrive: "2026-12-06", depart: "2026-12-09"})
		g.book(t, stay{host: sue.ID, guest: "Cath Doe", ref: "CDE3456", arrive: "2026-12-08", depart: "2026-12-09", slot: 1})
		g.book(t, stay{host: sue.ID, guest: "Bert Long", ref: "DEF4567", arrive: "2026-12-20", depart: "2026-12-22"})
		g.book(t, stay{host: sue.ID, guest: "Ivy Page", ref: "EFG5678", arrive: "2026-11-20", depart: "2026-11-25"}) // staying now
		g.book(t, stay{host: sue.ID, guest: "Olive Stone", ref: "FGH6789", arrive: "2026-12-14", depart: "2026-12-17", cancelled: true})
		g.book(t, stay{host: raj.ID, guest: "Ray Hall", ref: "GHJ7891", arrive: "2026-12-24", depart: "2026-12-26"})
		g.book(t, stay{host: sue.ID, guest: "Bea Bed", ref: "HJK8912", arrive: "2026-12-26", depart: "2026-12-28", place: booking.PlaceBed})

		refused := []struct {
			name     string
			actor    accounts.Principal
			from, to string
			message  string
		}{
			{"one night of a stay", asHost(sue), "2026-12-07", "2026-12-07",
				"You cannot remove Monday 7 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). Ring the shared lives team to change it."},
			{"the first night of a stay", asHost(sue), "2026-12-01", "2026-12-06",
				"You cannot remove Sunday 6 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). Ring the shared lives team to change it."},
			{"several stays", asHost(sue), "2026-12-01", "2026-12-31",
				"You cannot remove Sunday 6 December to Tuesday 8 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). 2 other stays are booked on those dates too. Ring the shared lives team to change them."},
			{"two stays on one night: the first to arrive is named", asHost(sue), "2026-12-08", "2026-12-08",
				"You cannot remove Tuesday 8 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). 1 other stay is booked on those dates too. Ring the shared lives team to change them."},
			{"tonight, from a date already past", asHost(sue), "2026-11-01", "2026-11-23",
				"You cannot remove Monday 23 November 2026: Ivy is staying with you from Friday 20 November to Wednesday 25 November 2026 (booking EFG5678). Ring the shared lives team to change it."},
			{"by a coordinator", asCoordinator, "2026-12-20", "2026-12-21",
				"Sunday 20 December to Monday 21 December 2026 cannot be removed: Bert is booked to stay with this host from Sunday 20 December to Tuesday 22 December 2026 (booking DEF4567). Move or cancel the booking first."},
		}
		for _, tt := range refused {
			t.Run("refused: "+tt.name, func(t *testing.T) {
				_, err := f.svc.RemoveAvailability(ctx, tt.actor, sue.ID, d(tt.from), d(tt.to))
				wantGuestBooked(t, err, tt.message)
				if diff := cmp.Diff(wantDecember, storedSpans(t, db, sue.ID)); diff != "" {
					t.Errorf("a refused removal changed the calendar (-want +got):\n%s", diff)
				}
				if at := confirmedAt(t, f, sue.ID); !at.Equal(*confirmed) {
					t.Errorf("a refused removal moved confirmed_at to %v", at)
				}
			})
		}

		t.Run("SetCalendar is refused likewise", func(t *testing.T) {
			for _, tt := range []struct {
				name    string
				ranges  []sharedlives.RangeInput
				message string
			}{
				{"leaves out two nights", ranges("2026-12-01", "2026-12-06", "2026-12-09", "2026-12-31"),
					"You cannot remove Monday 7 December to Tuesday 8 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). 1 other stay is booked on those dates too. Ring the shared lives team to change them."},
				{"leaves out nights apart", ranges("2026-12-01", "2026-12-05", "2026-12-07", "2026-12-07", "2026-12-09", "2026-12-31"),
					"You cannot remove Sunday 6 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). 1 other stay is booked on those dates too. Ring the shared lives team to change them."},
				// Ivy's nights were never in the calendar, so emptying it
				// takes none of hers away.
				{"empties it", nil,
					"You cannot remove Sunday 6 December to Tuesday 8 December 2026: Margaret is staying with you from Sunday 6 December to Wednesday 9 December 2026 (booking ABC2345). 2 other stays are booked on those dates too. Ring the shared lives team to change them."},
			} {
				t.Run(tt.name, func(t *testing.T) {
					_, err := f.svc.SetCalendar(ctx, asHost(sue), sue.ID, tt.ranges)
					wantGuestBooked(t, err, tt.message)
					if diff := cmp.Diff(wantDecember, storedSpans(t, db, sue.ID)); diff != "" {
						t.Errorf("a refused calendar changed the stored one (-want +got):\n%s", diff)
					}
					if at := confirmedAt(t, f, sue.ID); !at.Equal(*confirmed) {
						t.Errorf("a refused calendar moved confirmed_at to %v", at)
					}
				})
			}
		})

		t.Run("a stay across the new year", func(t *testing.T) {
			g.book(t, stay{host: raj.ID, guest: "Noel", ref: "JKL9123", arrive: "2026-12-30", depart: "2027-01-02"})
			_, err := f.svc.RemoveAvailability(ctx, asHost(raj), raj.ID, d("2026-12-31"), d("2027-01-05"))
			wantGuestBooked(t, err, "You cannot remove Thursday 31 December 2026 to Friday 1 January 2027: Noel is staying with you from Wednesday 30 December 2026 to Saturday 2 January 2027 (booking JKL9123). Ring the shared lives team to change it.")
		})

		allowed := []struct {
			name     string
			from, to string
			want     []string
		}{
			{"the day a guest leaves", "2026-12-09", "2026-12-09", []string{"2026-12-01..2026-12-08", "2026-12-10..2026-12-31"}},
			{"the days before a guest arrives", "2026-12-18", "2026-12-19", []string{"2026-12-01..2026-12-08", "2026-12-10..2026-12-17", "2026-12-20..2026-12-31"}},
			{"a cancelled stay's nights", "2026-12-14", "2026-12-16", []string{"2026-12-01..2026-12-08", "2026-12-10..2026-12-13", "2026-12-17..2026-12-17", "2026-12-20..2026-12-31"}},
			{"another host's guest's nights", "2026-12-24", "2026-12-25", []string{"2026-12-01..2026-12-08", "2026-12-10..2026-12-13", "2026-12-17..2026-12-17", "2026-12-20..2026-12-23", "2026-12-26..2026-12-31"}},
			{"a bed's booking with the host's id", "2026-12-26", "2026-12-27", []string{"2026-12-01..2026-12-08", "2026-12-10..2026-12-13", "2026-12-17..2026-12-17", "2026-12-20..2026-12-23", "2026-12-28..2026-12-31"}},
		}
		for _, tt := range allowed {
			t.Run("allowed: "+tt.name, func(t *testing.T) {
				got, err := f.svc.RemoveAvailability(ctx, asHost(sue), sue.ID, d(tt.from), d(tt.to))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, spans(got)); diff != "" {
					t.Errorf("calendar (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("SetCalendar may drop nights no guest is booked on", func(t *testing.T) {
			got, err := f.svc.SetCalendar(ctx, asHost(sue), sue.ID, ranges("2026-12-06", "2026-12-08", "2026-12-20", "2026-12-21"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"2026-12-06..2026-12-08", "2026-12-20..2026-12-21"}, spans(got)); diff != "" {
				t.Errorf("calendar (-want +got):\n%s", diff)
			}
		})
	})
}

func TestService_ChangeAvailability_Refusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sue := f.mustApproved(t, validHost())
		raj := f.mustApproved(t, anotherHost("Raj Shah", "07700 900491"))
		for _, h := range []sharedlives.Host{sue, raj} {
			if _, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, startingCalendar); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"2026-12-01..2026-12-05", "2026-12-10..2026-12-12", "2027-01-01..2027-01-31"}
		confirmed := confirmedAt(t, f, sue.ID)
		f.clk.Advance(time.Hour)

		type change func(actor accounts.Principal, hostID int64, from, to calendar.Date) ([]sharedlives.Range, error)
		for name, change := range map[string]change{
			"AddAvailability": func(a accounts.Principal, id int64, from, to calendar.Date) ([]sharedlives.Range, error) {
				return f.svc.AddAvailability(ctx, a, id, from, to)
			},
			"RemoveAvailability": func(a accounts.Principal, id int64, from, to calendar.Date) ([]sharedlives.Range, error) {
				return f.svc.RemoveAvailability(ctx, a, id, from, to)
			},
		} {
			t.Run(name, func(t *testing.T) {
				bad := []struct {
					name     string
					from, to string
					fields   []string
				}{
					{"to before from", "2026-12-10", "2026-12-09", []string{"to"}},
					{"beyond the horizon", "2028-05-20", "2028-05-25", []string{"to"}},
					{"over already", "2026-11-01", "2026-11-22", []string{"to"}},
					{"no dates", "", "", []string{"from", "to"}},
					{"no from", "", "2026-12-20", []string{"from"}},
				}
				for _, tt := range bad {
					var from, to calendar.Date
					if tt.from != "" {
						from = d(tt.from)
					}
					if tt.to != "" {
						to = d(tt.to)
					}
					_, err := change(asHost(sue), sue.ID, from, to)
					if diff := cmp.Diff(tt.fields, badFieldNames(t, err)); diff != "" {
						t.Errorf("%s: bad fields (-want +got):\n%s", tt.name, diff)
					}
				}
				_, err := change(asHost(sue), sue.ID, d("2028-05-20"), d("2028-05-25"))
				if e, _ := apperr.As(err); len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Message, "Wednesday 24 May 2028") {
					t.Errorf("beyond the horizon: %v; want the furthest date named", err)
				}

				wantNotFound(t, "another host's calendar", second(change(asHost(sue), raj.ID, d("2026-12-20"), d("2026-12-21"))))
				wantNotFound(t, "no such host", second(change(asCoordinator, 9999, d("2026-12-20"), d("2026-12-21"))))
				wantForbidden(t, "a carer", second(change(asCarer, sue.ID, d("2026-12-20"), d("2026-12-21"))))
				wantForbidden(t, "duty", second(change(asDuty, sue.ID, d("2026-12-20"), d("2026-12-21"))))

				for _, h := range []sharedlives.Host{sue, raj} {
					if diff := cmp.Diff(want, storedSpans(t, db, h.ID)); diff != "" {
						t.Errorf("%s: a refused change changed the calendar (-want +got):\n%s", h.Name, diff)
					}
				}
				if at := confirmedAt(t, f, sue.ID); !at.Equal(*confirmed) {
					t.Errorf("a refused change moved confirmed_at to %v", at)
				}
			})
		}

		t.Run("a host who has left", func(t *testing.T) {
			gone := f.mustApproved(t, anotherHost("Gone", "07700 900492"))
			if _, err := f.svc.Leave(ctx, asCoordinator, gone.ID); err != nil {
				t.Fatal(err)
			}
			wantWrongStatus(t, "AddAvailability", second(f.svc.AddAvailability(ctx, asCoordinator, gone.ID, d("2026-12-01"), d("2026-12-02"))),
				"This host has left, so their calendar is closed.")
			wantWrongStatus(t, "RemoveAvailability", second(f.svc.RemoveAvailability(ctx, asCoordinator, gone.ID, d("2026-12-01"), d("2026-12-02"))),
				"This host has left, so their calendar is closed.")
		})
		t.Run("coordinators and administrators may", func(t *testing.T) {
			if _, err := f.svc.AddAvailability(ctx, asAdmin, raj.ID, d("2026-12-20"), d("2026-12-21")); err != nil {
				t.Errorf("admin: %v", err)
			}
			if _, err := f.svc.RemoveAvailability(ctx, asCoordinator, raj.ID, d("2026-12-20"), d("2026-12-21")); err != nil {
				t.Errorf("coordinator: %v", err)
			}
		})
	})
}

// dayWords sums up a day of a Month for comparing: "2026-11-23 today
// available Ivy/EFG5678".
func dayWords(day sharedlives.Day) string {
	words := []string{day.Date.String()}
	if day.Today {
		words = append(words, "today")
	}
	if day.Past {
		words = append(words, "past")
	}
	if day.Available {
		words = append(words, "available")
	}
	for _, g := range day.Guests {
		words = append(words, g.FirstName+"/"+g.BookingReference)
	}
	return strings.Join(words, " ")
}

func TestService_CalendarMonth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		g := newGuestBook(t, db)
		sue := f.mustApproved(t, validHost())
		raj := f.mustApproved(t, anotherHost("Raj Shah", "07700 900493"))
		if _, err := f.svc.SetCalendar(ctx, asHost(sue), sue.ID, ranges("2026-11-20", "2026-11-25", "2026-11-28", "2026-12-02")); err != nil {
			t.Fatal(err)
		}
		g.book(t, stay{host: sue.ID, guest: "Ivy Page", ref: "EFG5678", arrive: "2026-11-22", depart: "2026-11-24"})
		g.book(t, stay{host: sue.ID, guest: "Frank Albert Jones", ref: "FGH6789", arrive: "2026-11-23", depart: "2026-11-25", slot: 1})
		g.book(t, stay{host: sue.ID, guest: "Olive", ref: "GHJ7891", arrive: "2026-11-29", depart: "2026-11-30", cancelled: true})
		g.book(t, stay{host: raj.ID, guest: "Ray", ref: "HJK8912", arrive: "2026-11-29", depart: "2026-11-30"})

		month := func(t *testing.T, actor accounts.Principal, hostID int64, day string) sharedlives.Month {
			t.Helper()
			var on calendar.Date
			if day != "" {
				on = d(day)
			}
			m, err := f.svc.CalendarMonth(ctx, actor, hostID, on)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}

		november := month(t, asHost(sue), sue.ID, "2026-11-15")
		if november.First != d("2026-11-01") || november.Name() != "November 2026" || len(november.Days) != 30 {
			t.Errorf("November: first %v, name %q, %d days", november.First, november.Name(), len(november.Days))
		}
		got := map[string]string{}
		for _, day := range november.Days {
			got[day.Date.String()] = dayWords(day)
			if day.Guests == nil {
				t.Errorf("%s: Guests is nil, want a list", day.Date)
			}
		}
		for day, want := range map[string]string{
			"2026-11-01": "2026-11-01 past",
			"2026-11-19": "2026-11-19 past",
			"2026-11-20": "2026-11-20 past available",
			"2026-11-22": "2026-11-22 past available Ivy/EFG5678",
			"2026-11-23": "2026-11-23 today available Ivy/EFG5678 Frank/FGH6789",
			"2026-11-24": "2026-11-24 available Frank/FGH6789",
			"2026-11-25": "2026-11-25 available",
			"2026-11-26": "2026-11-26",
			"2026-11-29": "2026-11-29 available",
			"2026-11-30": "2026-11-30 available",
		} {
			if got[day] != want {
				t.Errorf("%s = %q, want %q", day, got[day], want)
			}
		}
		if november.Previous != nil || november.Next == nil || *november.Next != d("2026-12-01") {
			t.Errorf("November: previous %v, next %v; want none and December", november.Previous, november.Next)
		}
		weeks := november.Weeks()
		if len(weeks) != 6 || !weeks[0][5].Date.IsZero() || weeks[0][6].Date != d("2026-11-01") || weeks[5][0].Date != d("2026-11-30") || !weeks[5][1].Date.IsZero() {
			t.Errorf("November's weeks, Monday first: %d rows, first %v, last %v", len(weeks), weeks[0], weeks[len(weeks)-1])
		}
		for i, w := range weeks {
			if len(w) != 7 {
				t.Errorf("week %d has %d days", i, len(w))
			}
		}

		if diff := cmp.Diff(november, month(t, asCoordinator, sue.ID, "")); diff != "" {
			t.Errorf("no date means this month (-want +got):\n%s", diff)
		}

		december := month(t, asDuty, sue.ID, "2026-12-31")
		if december.First != d("2026-12-01") || len(december.Days) != 31 || dayWords(december.Days[1]) != "2026-12-02 available" || dayWords(december.Days[2]) != "2026-12-03" {
			t.Errorf("December: %v, %d days, %q, %q", december.First, len(december.Days), dayWords(december.Days[1]), dayWords(december.Days[2]))
		}
		if december.Previous == nil || *december.Previous != d("2026-11-01") || december.Next == nil || *december.Next != d("2027-01-01") {
			t.Errorf("December: previous %v, next %v", december.Previous, december.Next)
		}
		if feb := month(t, asHost(sue), sue.ID, "2028-02-10"); len(feb.Days) != 29 {
			t.Errorf("February 2028 has %d days, want 29", len(feb.Days))
		}

		// 548 days from 23 November 2026 is 24 May 2028: May 2028 is the last month.
		may := month(t, asHost(sue), sue.ID, "2028-05-31")
		if may.Next != nil || may.Previous == nil || *may.Previous != d("2028-04-01") {
			t.Errorf("May 2028: previous %v, next %v; want April and none", may.Previous, may.Next)
		}
		for _, day := range []string{"2026-10-31", "2028-06-01"} {
			_, err := f.svc.CalendarMonth(ctx, asHost(sue), sue.ID, d(day))
			if diff := cmp.Diff([]string{"month"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", day, diff)
			}
			if e, _ := apperr.As(err); e != nil && e.Fields[0].Message != "Choose a month from November 2026 to May 2028." {
				t.Errorf("%s: %q", day, e.Fields[0].Message)
			}
		}

		t.Run("access", func(t *testing.T) {
			wantNotFound(t, "another host's", second(f.svc.CalendarMonth(ctx, asHost(sue), raj.ID, calendar.Date{})))
			wantNotFound(t, "no such host", second(f.svc.CalendarMonth(ctx, asCoordinator, 9999, calendar.Date{})))
			wantForbidden(t, "a carer", second(f.svc.CalendarMonth(ctx, asCarer, sue.ID, calendar.Date{})))
			rajs := month(t, asHost(raj), raj.ID, "")
			if got := dayWords(rajs.Days[28]); got != "2026-11-29 Ray/HJK8912" {
				t.Errorf("Raj's 29 November = %q", got)
			}
		})
	})
}

func TestService_HostAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		in := validHost()
		in.Address = "  12 Oak Lane, Roundhay, Leeds  "
		h := f.mustCreate(t, in)
		if h.Address != "12 Oak Lane, Roundhay, Leeds" {
			t.Errorf("created with address %q", h.Address)
		}
		if got, _ := f.svc.Host(ctx, asHost(h), h.ID); got.Address != "12 Oak Lane, Roundhay, Leeds" {
			t.Errorf("stored address %q; the host reads their own", got.Address)
		}
		if none := f.mustCreate(t, anotherHost("No Address", "07700 900494")); none.Address != "" {
			t.Errorf("no address given: %q", none.Address)
		}

		long := strings.Repeat("é", 201) // 201 runes, 402 bytes
		in = anotherHost("Long", "07700 900495")
		in.Address = long
		if diff := cmp.Diff([]string{"address"}, badFieldNames(t, second(f.svc.CreateHost(ctx, asCoordinator, in)))); diff != "" {
			t.Errorf("too long (-want +got):\n%s", diff)
		}
		in.Address = long[:400] // 200 runes
		if _, err := f.svc.CreateHost(ctx, asCoordinator, in); err != nil {
			t.Errorf("200 characters: %v", err)
		}

		got, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Address: new(" 3 Elm Road, Leeds ")})
		if err != nil || got.Address != "3 Elm Road, Leeds" {
			t.Errorf("patched: %q, %v", got.Address, err)
		}
		if got, _ := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Capacity: new(1)}); got.Address != "3 Elm Road, Leeds" {
			t.Errorf("a patch without the address changed it to %q", got.Address)
		}
		if diff := cmp.Diff([]string{"address"}, badFieldNames(t, second(f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Address: &long})))); diff != "" {
			t.Errorf("patched too long (-want +got):\n%s", diff)
		}
		if got, _ := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Address: new("")}); got.Address != "" {
			t.Errorf("cleared: %q", got.Address)
		}
	})
}

// errNotAvailable is the stand-in booking's refusal.
var errNotAvailable = errors.New("the host is not available on every night")

// bookAtHost books a stay the way the booking package must: in one
// transaction it takes the host's lock (sharedlives.LockHost), checks that
// every night is in the host's calendar, and writes the booking and its
// nights.
func bookAtHost(ctx context.Context, db *bun.DB, g *guestBook, s stay) error {
	return db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := sharedlives.LockHost(ctx, tx, s.host); err != nil {
			return err
		}
		arrive, depart := d(s.arrive), d(s.depart)
		var rs []sharedlives.Range
		if err := tx.NewSelect().Model(&rs).Where("host_id = ?", s.host).
			Where("starts_on <= ? AND ends_on >= ?", depart.AddDays(-1), arrive).Scan(ctx); err != nil {
			return err
		}
		for n := arrive; n.Before(depart); n = n.AddDays(1) {
			in := false
			for _, r := range rs {
				in = in || (!n.Before(r.StartsOn) && !n.After(r.EndsOn))
			}
			if !in {
				return errNotAvailable
			}
		}
		return g.write(ctx, tx, s)
	})
}

// TestService_RemoveAvailability_RaceWithBooking races, night by night, a
// host taking nights out of their calendar against guests being booked on
// the same nights. Whichever goes second must be refused: the database may
// never hold a confirmed night that is not in the calendar.
func TestService_RemoveAvailability_RaceWithBooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		g := newGuestBook(t, db)
		h := f.mustApproved(t, validHost())
		if _, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, ranges("2027-01-01", "2027-01-31")); err != nil {
			t.Fatal(err)
		}
		const pairs = 12
		type outcome struct{ booked, removed error }
		outcomes := make([]outcome, pairs)
		var wg sync.WaitGroup
		for i := range pairs {
			night := d("2027-01-02").AddDays(2 * i)
			wg.Go(func() {
				outcomes[i].booked = bookAtHost(ctx, db, g, stay{
					host: h.ID, guest: fmt.Sprintf("Guest %d", i), ref: fmt.Sprintf("RACE%03d", i),
					arrive: night.String(), depart: night.AddDays(1).String(),
				})
			})
			wg.Go(func() {
				_, outcomes[i].removed = f.svc.RemoveAvailability(ctx, asHost(h), h.ID, night, night)
			})
		}
		wg.Wait()
		for i, o := range outcomes {
			switch {
			case o.booked == nil && errors.Is(o.removed, sharedlives.ErrGuestBooked):
			case o.removed == nil && errors.Is(o.booked, errNotAvailable):
			default:
				t.Errorf("night %d: booking %v, removal %v; want exactly one refused", i, o.booked, o.removed)
			}
		}

		var orphans []calendar.Date
		err := db.NewSelect().ColumnExpr("n.night").TableExpr("booking_nights AS n").
			Join("JOIN bookings AS b ON b.id = n.booking_id").
			Where("n.place_kind = 'host' AND n.place_id = ? AND b.status = 'confirmed'", h.ID).
			Where("NOT EXISTS (SELECT 1 FROM host_availability AS a WHERE a.host_id = n.place_id AND a.starts_on <= n.night AND a.ends_on >= n.night)").
			Scan(ctx, &orphans)
		if err != nil {
			t.Fatal(err)
		}
		if len(orphans) > 0 {
			t.Errorf("confirmed nights outside the calendar: %v", orphans)
		}
	})
}
