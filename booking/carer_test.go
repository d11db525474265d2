package booking_test

import (
	"context"
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
	"github.com/respite-uk/respite/providers"
)

// carersNow is when the carers tests run: Monday 23 November 2026, 10:00.
var carersNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// The people who act in the carers tests.
var (
	asAdmin       = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Ade", Role: accounts.RoleAdmin}
	asDuty        = accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Name: "Dee", Role: accounts.RoleDuty}
	asCoordinator = accounts.Principal{Kind: accounts.SubjectStaff, ID: 3, Name: "Cam", Role: accounts.RoleCoordinator}
	asHost        = accounts.Principal{Kind: accounts.SubjectHost, ID: 1}
)

func asCarer(c booking.Carer) accounts.Principal {
	return accounts.Principal{Kind: accounts.SubjectCarer, ID: c.ID}
}

func newCarerService(db *bun.DB) *booking.Service {
	return booking.NewService(db, providers.NewService(db, nil), nil, booking.NewLocalHoldStore(), booking.Options{Clock: calendar.Fixed(carersNow)})
}

func civilDate(s string) calendar.Date {
	v, err := calendar.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func validCarer() booking.CarerInput {
	return booking.CarerInput{
		Name: " Pat Jones ", Mobile: "07700 900123", Email: new(" Pat.Jones@Example.org "), Postcode: "ls6 2ab",
		Latitude: new(53.8198), Longitude: new(-1.5772), AllowanceNights: new(28), AllowanceYearStarts: civilDate("2026-04-01"),
		EmergencyCard: new(" lcc-04521 "), EmergencyPlan: "Dad goes to Meadow View; his tablets are in the blue box.",
		EmergencyContactName: "Sam Jones", EmergencyContactPhone: new("0113 496 0123"),
	}
}

func validPerson() booking.PersonInput {
	return booking.PersonInput{
		Name: "Frank Jones", DateOfBirth: civilDate("1941-05-02"),
		Needs: []string{"dementia"}, Requirements: []string{"ground_floor", "hoist"}, StaffNotes: "Wanders at night.",
	}
}

func mustCreateCarer(t *testing.T, svc *booking.Service, in booking.CarerInput) booking.Carer {
	t.Helper()
	c, err := svc.CreateCarer(context.Background(), asDuty, in)
	if err != nil {
		t.Fatalf("CreateCarer: %v", err)
	}
	return c
}

func mustAddPerson(t *testing.T, svc *booking.Service, carerID int64, in booking.PersonInput) booking.Person {
	t.Helper()
	p, err := svc.AddPerson(context.Background(), asDuty, carerID, in)
	if err != nil {
		t.Fatalf("AddPerson: %v", err)
	}
	return p
}

// anotherCarer is a valid carer with its own mobile number and no card.
func anotherCarer(name, mobile string) booking.CarerInput {
	in := validCarer()
	in.Name, in.Mobile, in.EmergencyCard = name, mobile, nil
	return in
}

// badFieldNames returns the names of the bad fields in an Invalid error.
func badFieldNames(t *testing.T, err error) []string {
	t.Helper()
	names, ok := apperr.FieldNames(err)
	if !ok {
		t.Fatalf("err = %v, want an Invalid error", err)
	}
	return names
}

// wantForbidden checks that err is ErrNotAllowed, which the web layer shows as 403.
func wantForbidden(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, booking.ErrNotAllowed) || apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("%s: err = %v, want ErrNotAllowed (Forbidden)", what, err)
	}
}

func rowsIn(t *testing.T, db *bun.DB, model any) int64 {
	t.Helper()
	n, err := db.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var sameInstant = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func TestService_CreateCarer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newCarerService(db)
		c := mustCreateCarer(t, svc, validCarer())
		want := booking.Carer{
			ID: c.ID, Name: "Pat Jones", Mobile: "+447700900123", Email: new("pat.jones@example.org"), Postcode: "LS6 2AB",
			Latitude: 53.8198, Longitude: -1.5772, AllowanceNights: 28, AllowanceYearStarts: civilDate("2026-04-01"),
			EmergencyCard: new("LCC-04521"), EmergencyPlan: "Dad goes to Meadow View; his tablets are in the blue box.",
			EmergencyContactName: "Sam Jones", EmergencyContactPhone: new("+441134960123"), CreatedAt: carersNow, UpdatedAt: carersNow,
		}
		if diff := cmp.Diff(want, c, sameInstant); diff != "" {
			t.Errorf("created carer (-want +got):\n%s", diff)
		}
		got, err := svc.Carer(ctx, asAdmin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, sameInstant); diff != "" {
			t.Errorf("stored carer (-want +got):\n%s", diff)
		}

		t.Run("every bad field at once, nothing written", func(t *testing.T) {
			in := booking.CarerInput{
				Name: " ", Mobile: "0113 496 0000", Email: new("pat at home"), Postcode: "LS1",
				Longitude: new(200.0), AllowanceNights: new(-1), EmergencyCard: new("no!"),
				EmergencyPlan: strings.Repeat("x", 4001), EmergencyContactPhone: new("12"),
			}
			_, err := svc.CreateCarer(ctx, asDuty, in)
			want := []string{
				"name", "mobile", "email", "postcode", "latitude", "longitude", "allowance_nights", "allowance_year_starts",
				"emergency_card", "emergency_plan", "emergency_contact_name", "emergency_contact_phone",
			}
			if diff := cmp.Diff(want, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "mobile: Enter a mobile number") {
				t.Errorf("error %q should say a landline cannot take texts", err)
			}
			if n := rowsIn(t, db, (*booking.Carer)(nil)); n != 1 {
				t.Errorf("carers = %d, want 1", n)
			}
		})

		t.Run("out of range", func(t *testing.T) {
			in := anotherCarer("Lee", "07700 900200")
			in.Latitude, in.AllowanceNights = new(-91.0), new(367)
			in.EmergencyContactName, in.EmergencyContactPhone = "Kim", nil
			_, err := svc.CreateCarer(ctx, asDuty, in)
			if diff := cmp.Diff([]string{"latitude", "allowance_nights", "emergency_contact_phone"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})

		t.Run("optional fields left out or blank", func(t *testing.T) {
			in := anotherCarer("Lee", "07700 900201")
			in.Email, in.EmergencyCard, in.EmergencyPlan = new("  "), new(" "), ""
			in.EmergencyContactName, in.EmergencyContactPhone = "", nil
			in.AllowanceNights = new(0)
			c := mustCreateCarer(t, svc, in)
			if c.Email != nil || c.EmergencyCard != nil || c.EmergencyContactPhone != nil || c.AllowanceNights != 0 {
				t.Errorf("created %+v, want no email, card or contact phone and no nights", c)
			}
		})

		t.Run("mobile and emergency card are unique", func(t *testing.T) {
			in := anotherCarer("Twin", "+44 7700 900123")
			if _, err := svc.CreateCarer(ctx, asDuty, in); !errors.Is(err, booking.ErrMobileTaken) {
				t.Errorf("same mobile written another way: err = %v, want ErrMobileTaken", err)
			}
			in = anotherCarer("Twin", "07700 900202")
			in.EmergencyCard = new("LCC-04521")
			if _, err := svc.CreateCarer(ctx, asDuty, in); !errors.Is(err, booking.ErrEmergencyCardTaken) {
				t.Errorf("same card: err = %v, want ErrEmergencyCardTaken", err)
			}
			if kind := apperr.KindOf(booking.ErrEmergencyCardTaken); kind != apperr.Conflict {
				t.Errorf("ErrEmergencyCardTaken kind = %v, want Conflict", kind)
			}
			// Many carers have no card: no card is not a card number to clash on.
			mustCreateCarer(t, svc, anotherCarer("No Card", "07700 900203"))
		})

		t.Run("only the duty team and administrators", func(t *testing.T) {
			before := rowsIn(t, db, (*booking.Carer)(nil))
			for name, actor := range map[string]accounts.Principal{
				"carer": asCarer(c), "coordinator": asCoordinator, "host": asHost, "nobody": {},
			} {
				_, err := svc.CreateCarer(ctx, actor, anotherCarer("Sneaky", "07700 900299"))
				wantForbidden(t, name, err)
			}
			if n := rowsIn(t, db, (*booking.Carer)(nil)); n != before {
				t.Errorf("carers = %d, want %d", n, before)
			}
			if _, err := svc.CreateCarer(ctx, asAdmin, anotherCarer("By Admin", "07700 900204")); err != nil {
				t.Errorf("admin: %v", err)
			}
		})
	})
}

func TestService_UpdateCarer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newCarerService(db)
		c := mustCreateCarer(t, svc, validCarer())
		other := anotherCarer("Other", "07700 900300")
		other.EmergencyCard = new("LCC-00001")
		mustCreateCarer(t, svc, other)

		got, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{
			Name: new("Patricia Jones"), AllowanceNights: new(35), Email: new(""), EmergencyCard: new("lcc-04522"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Patricia Jones" || got.AllowanceNights != 35 || got.Email != nil || got.EmergencyCard == nil || *got.EmergencyCard != "LCC-04522" {
			t.Errorf("after patch: %+v", got)
		}
		if got.Mobile != "+447700900123" || got.Postcode != "LS6 2AB" || !got.CreatedAt.Equal(carersNow) {
			t.Errorf("the patch changed fields it did not name: %+v", got)
		}

		t.Run("refused patch changes nothing", func(t *testing.T) {
			_, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{
				Name: new("Changed"), Postcode: new("nowhere"), AllowanceYearStarts: &calendar.Date{}, EmergencyContactPhone: new(""),
			})
			want := []string{"postcode", "allowance_year_starts", "emergency_contact_phone"}
			if diff := cmp.Diff(want, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			stored, _ := svc.Carer(ctx, asDuty, c.ID)
			if stored.Name != "Patricia Jones" {
				t.Errorf("a refused patch changed the name to %q", stored.Name)
			}
		})
		t.Run("clashes", func(t *testing.T) {
			if _, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{Mobile: new("07700900300")}); !errors.Is(err, booking.ErrMobileTaken) {
				t.Errorf("another carer's mobile: err = %v, want ErrMobileTaken", err)
			}
			if _, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{EmergencyCard: new("LCC-00001")}); !errors.Is(err, booking.ErrEmergencyCardTaken) {
				t.Errorf("another carer's card: err = %v, want ErrEmergencyCardTaken", err)
			}
			if _, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{Mobile: new("+447700900123"), EmergencyCard: new("LCC-04522")}); err != nil {
				t.Errorf("keeping their own mobile and card: %v", err)
			}
		})
		t.Run("unknown carer", func(t *testing.T) {
			if _, err := svc.UpdateCarer(ctx, asDuty, c.ID+99, booking.CarerPatch{Name: new("X")}); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("err = %v, want ErrCarerNotFound", err)
			}
		})
		t.Run("carers and coordinators may not", func(t *testing.T) {
			_, err := svc.UpdateCarer(ctx, asCarer(c), c.ID, booking.CarerPatch{AllowanceNights: new(366)})
			wantForbidden(t, "carer changing their own record", err)
			_, err = svc.UpdateCarer(ctx, asCoordinator, c.ID, booking.CarerPatch{Name: new("X")})
			wantForbidden(t, "coordinator", err)
			stored, _ := svc.Carer(ctx, asDuty, c.ID)
			if stored.AllowanceNights != 35 {
				t.Errorf("allowance = %d, want 35", stored.AllowanceNights)
			}
		})
	})
}

func TestService_Carers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newCarerService(db)
		var first booking.Carer
		for i, name := range []string{"Oakley Smith", "Ash Patel", "Rosa Oakes", "Elm Court", "50% Sure_Thing"} {
			c := mustCreateCarer(t, svc, anotherCarer(name, fmt.Sprintf("07700 90040%d", i)))
			if i == 0 {
				first = c
			}
		}

		var names []string
		page := booking.CarerFilter{}
		page.Page.Limit = 2
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			got, err := svc.Carers(ctx, asDuty, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range got.Items {
				names = append(names, c.Name)
			}
			if got.Next == 0 {
				break
			}
			page.Page.After = got.Next
		}
		if diff := cmp.Diff([]string{"Oakley Smith", "Ash Patel", "Rosa Oakes", "Elm Court", "50% Sure_Thing"}, names); diff != "" {
			t.Errorf("paged names (-want +got):\n%s", diff)
		}

		for query, want := range map[string][]string{"OAK": {"Oakley Smith", "Rosa Oakes"}, " patel ": {"Ash Patel"}, "%": {"50% Sure_Thing"}, "_": {"50% Sure_Thing"}, "zzz": {}} {
			got, err := svc.Carers(ctx, asAdmin, booking.CarerFilter{Query: query})
			if err != nil {
				t.Fatal(err)
			}
			gotNames := []string{}
			for _, c := range got.Items {
				gotNames = append(gotNames, c.Name)
			}
			if diff := cmp.Diff(want, gotNames); diff != "" {
				t.Errorf("query %q (-want +got):\n%s", query, diff)
			}
			if got.Items == nil {
				t.Errorf("query %q: Items is nil, want an empty list", query)
			}
		}

		for name, actor := range map[string]accounts.Principal{"carer": asCarer(first), "coordinator": asCoordinator} {
			_, err := svc.Carers(ctx, actor, booking.CarerFilter{})
			wantForbidden(t, name, err)
		}
	})
}

func TestService_People(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newCarerService(db)
		c := mustCreateCarer(t, svc, validCarer())

		none, err := svc.People(ctx, asDuty, c.ID)
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("People of a carer with nobody = %#v, %v; want an empty list", none, err)
		}

		p := mustAddPerson(t, svc, c.ID, validPerson())
		want := booking.Person{
			ID: p.ID, CarerID: c.ID, Name: "Frank Jones", DateOfBirth: civilDate("1941-05-02"),
			Needs: []string{"dementia"}, Requirements: []string{"ground_floor", "hoist"}, StaffNotes: "Wanders at night.",
			CreatedAt: carersNow, UpdatedAt: carersNow,
		}
		got, err := svc.Person(ctx, asDuty, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, sameInstant); diff != "" {
			t.Errorf("stored person (-want +got):\n%s", diff)
		}
		child := mustAddPerson(t, svc, c.ID, booking.PersonInput{Name: " Mia ", DateOfBirth: civilDate("2016-02-29")})
		if child.Name != "Mia" || child.Needs == nil || child.Requirements == nil || child.StaffNotes != "" {
			t.Errorf("child = %#v, want a trimmed name and empty (not nil) lists", child)
		}
		stored, err := svc.Person(ctx, asDuty, child.ID)
		if err != nil || stored.Needs == nil || stored.Requirements == nil {
			t.Errorf("child read back = %#v, %v; want empty (not nil) lists", stored, err)
		}

		people, err := svc.People(ctx, asAdmin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 2 || people[0].ID != p.ID || people[1].ID != child.ID {
			t.Errorf("People = %+v, want Frank then Mia", people)
		}

		tests := []struct {
			name string
			in   booking.PersonInput
			want []string
		}{
			{
				name: "everything wrong",
				in: booking.PersonInput{
					Name: " ", DateOfBirth: civilDate("2026-11-24"), Needs: []string{"dementia", "dementia", "flying"},
					Requirements: []string{"moat"}, StaffNotes: strings.Repeat("é", 4001),
				},
				want: []string{"name", "date_of_birth", "needs[1]", "needs[2]", "requirements[0]", "staff_notes"},
			},
			{name: "no date of birth", in: booking.PersonInput{Name: "X"}, want: []string{"date_of_birth"}},
			{name: "more than 120 years ago", in: booking.PersonInput{Name: "X", DateOfBirth: civilDate("1906-11-22")}, want: []string{"date_of_birth"}},
			{name: "name too long", in: booking.PersonInput{Name: strings.Repeat("a", 201), DateOfBirth: civilDate("2000-01-01")}, want: []string{"name"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := svc.AddPerson(ctx, asDuty, c.ID, tt.in)
				if diff := cmp.Diff(tt.want, badFieldNames(t, err)); diff != "" {
					t.Errorf("bad fields (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("born today, or 120 years ago today", func(t *testing.T) {
			for _, born := range []string{"2026-11-23", "1906-11-23"} {
				if _, err := svc.AddPerson(ctx, asDuty, c.ID, booking.PersonInput{Name: "Edge", DateOfBirth: civilDate(born)}); err != nil {
					t.Errorf("born %s: %v", born, err)
				}
			}
		})
		t.Run("unknown carer", func(t *testing.T) {
			if _, err := svc.AddPerson(ctx, asDuty, c.ID+99, validPerson()); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("err = %v, want ErrCarerNotFound", err)
			}
			if _, err := svc.People(ctx, asDuty, c.ID+99); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("People: err = %v, want ErrCarerNotFound", err)
			}
		})
		if n := rowsIn(t, db, (*booking.Person)(nil)); n != 4 {
			t.Errorf("people = %d, want 4 (refused ones must write nothing)", n)
		}

		t.Run("update", func(t *testing.T) {
			got, err := svc.UpdatePerson(ctx, asAdmin, p.ID, booking.PersonPatch{Needs: &[]string{"dementia", "epilepsy"}, StaffNotes: new("")})
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got.Needs, []string{"dementia", "epilepsy"}) || got.StaffNotes != "" || got.Name != "Frank Jones" || got.CarerID != c.ID {
				t.Errorf("after update: %+v", got)
			}
			_, err = svc.UpdatePerson(ctx, asAdmin, p.ID, booking.PersonPatch{Name: new("Francis"), Requirements: &[]string{"hoist", "hoist"}, DateOfBirth: &calendar.Date{}})
			if diff := cmp.Diff([]string{"date_of_birth", "requirements[1]"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			if stored, _ := svc.Person(ctx, asAdmin, p.ID); stored.Name != "Frank Jones" {
				t.Errorf("a refused patch changed the name to %q", stored.Name)
			}
			if _, err := svc.UpdatePerson(ctx, asAdmin, 9999, booking.PersonPatch{}); !errors.Is(err, booking.ErrPersonNotFound) {
				t.Errorf("unknown person: err = %v, want ErrPersonNotFound", err)
			}
		})
	})
}

func TestService_CarerAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newCarerService(db)
		pat := mustCreateCarer(t, svc, validCarer())
		lee := mustCreateCarer(t, svc, anotherCarer("Lee", "07700 900500"))
		frank := mustAddPerson(t, svc, pat.ID, validPerson())
		leesMum := mustAddPerson(t, svc, lee.ID, booking.PersonInput{Name: "Ivy", DateOfBirth: civilDate("1938-01-09")})

		t.Run("a carer reads their own record and people", func(t *testing.T) {
			if got, err := svc.Carer(ctx, asCarer(pat), pat.ID); err != nil || got.ID != pat.ID || got.EmergencyPlan == "" {
				t.Errorf("own record: %+v, %v", got, err)
			}
			if got, err := svc.People(ctx, asCarer(pat), pat.ID); err != nil || len(got) != 1 || got[0].ID != frank.ID {
				t.Errorf("own people: %+v, %v", got, err)
			}
			if got, err := svc.Person(ctx, asCarer(pat), frank.ID); err != nil || got.ID != frank.ID {
				t.Errorf("own person: %+v, %v", got, err)
			}
		})
		t.Run("anyone else's is not found", func(t *testing.T) {
			if _, err := svc.Carer(ctx, asCarer(pat), lee.ID); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("another carer: err = %v, want ErrCarerNotFound", err)
			}
			if _, err := svc.People(ctx, asCarer(pat), lee.ID); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("another carer's people: err = %v, want ErrCarerNotFound", err)
			}
			if _, err := svc.Person(ctx, asCarer(pat), leesMum.ID); !errors.Is(err, booking.ErrPersonNotFound) {
				t.Errorf("another carer's person: err = %v, want ErrPersonNotFound", err)
			}
			// An id that exists and one that does not get the same answer.
			if _, err := svc.Person(ctx, asCarer(pat), 9999); !errors.Is(err, booking.ErrPersonNotFound) {
				t.Errorf("no such person: err = %v, want ErrPersonNotFound", err)
			}
		})
		t.Run("a carer changes nothing, not even their own", func(t *testing.T) {
			_, err := svc.AddPerson(ctx, asCarer(pat), pat.ID, validPerson())
			wantForbidden(t, "AddPerson", err)
			_, err = svc.UpdatePerson(ctx, asCarer(pat), frank.ID, booking.PersonPatch{Name: new("F")})
			wantForbidden(t, "UpdatePerson", err)
			if n := rowsIn(t, db, (*booking.Person)(nil)); n != 2 {
				t.Errorf("people = %d, want 2", n)
			}
		})
		t.Run("coordinators and hosts may not look", func(t *testing.T) {
			for name, actor := range map[string]accounts.Principal{"coordinator": asCoordinator, "host": asHost} {
				_, err := svc.Carer(ctx, actor, pat.ID)
				wantForbidden(t, name+" Carer", err)
				_, err = svc.People(ctx, actor, pat.ID)
				wantForbidden(t, name+" People", err)
				_, err = svc.Person(ctx, actor, frank.ID)
				wantForbidden(t, name+" Person", err)
				_, err = svc.AddPerson(ctx, actor, pat.ID, validPerson())
				wantForbidden(t, name+" AddPerson", err)
			}
		})
		t.Run("duty and admin see everyone", func(t *testing.T) {
			for _, actor := range []accounts.Principal{asDuty, asAdmin} {
				if _, err := svc.Carer(ctx, actor, lee.ID); err != nil {
					t.Errorf("%s Carer: %v", actor.Role, err)
				}
				if _, err := svc.Person(ctx, actor, leesMum.ID); err != nil {
					t.Errorf("%s Person: %v", actor.Role, err)
				}
			}
			if _, err := svc.Carer(ctx, asDuty, 9999); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("unknown carer: err = %v, want ErrCarerNotFound", err)
			}
		})
	})
}

func TestService_CarerByMobile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newCarerService(db)
		c := mustCreateCarer(t, svc, validCarer())
		for _, typed := range []string{"07700 900123", "+447700900123", " (07700) 900-123 "} {
			got, found, err := svc.CarerByMobile(ctx, typed)
			if err != nil || !found || got.ID != c.ID {
				t.Errorf("CarerByMobile(%q) = %d, %v, %v; want carer %d", typed, got.ID, found, err, c.ID)
			}
		}
		for _, typed := range []string{"07700 900999", "not a number", ""} {
			if got, found, err := svc.CarerByMobile(ctx, typed); err != nil || found || got.ID != 0 {
				t.Errorf("CarerByMobile(%q) = %d, %v, %v; want not found", typed, got.ID, found, err)
			}
		}
	})
}

// TestService_CreateCarer_Race races registrations for one mobile number and
// one emergency card: one of each wins, and every other gets the conflict
// that names what clashed, never a fault.
func TestService_CreateCarer_Race(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		svc := newCarerService(db)
		const racers = 8
		race := func(in func(i int) booking.CarerInput, lost error) {
			t.Helper()
			errs := make(chan error, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					_, err := svc.CreateCarer(context.Background(), asDuty, in(i))
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			won := 0
			for err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, lost):
					t.Errorf("err = %v, want %v", err, lost)
				}
			}
			if won != 1 {
				t.Errorf("%d registrations won, want 1", won)
			}
		}
		race(func(i int) booking.CarerInput {
			in := anotherCarer(fmt.Sprint("Racer ", i), "07700 900600")
			in.EmergencyCard = new(fmt.Sprint("CARD-A", i))
			return in
		}, booking.ErrMobileTaken)
		race(func(i int) booking.CarerInput {
			in := anotherCarer(fmt.Sprint("Racer ", i), fmt.Sprintf("07700 90070%d", i))
			in.EmergencyCard = new("CARD-B")
			return in
		}, booking.ErrEmergencyCardTaken)
		if n := rowsIn(t, db, (*booking.Carer)(nil)); n != 2 {
			t.Errorf("carers = %d, want 2", n)
		}
	})
}
