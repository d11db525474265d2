package booking_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// mkNamedCarer adds a carer (see mkCarer) with a name and postcode of
// their own.
func (f *fixture) mkNamedCarer(t testing.TB, name, postcode string) booking.Carer {
	t.Helper()
	c := f.mkCarer(t, 28)
	c.Name, c.Postcode = name, postcode
	if _, err := f.db.NewUpdate().Model(&c).Column("name", "postcode").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// mkNamedPerson adds someone a carer looks after (see mkPerson), by name.
func (f *fixture) mkNamedPerson(t testing.TB, c booking.Carer, name, born string, needs, requirements []string) booking.Person {
	t.Helper()
	p := f.mkPerson(t, c, born, needs, requirements)
	p.Name = name
	if _, err := f.db.NewUpdate().Model(&p).Column("name").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// auditEntries reads the audit log, oldest first, leaving out the entries
// the fixtures' care homes and hosts wrote as they were set up.
func auditEntries(t testing.TB, db *bun.DB) []audit.Entry {
	t.Helper()
	var es []audit.Entry
	if err := db.NewSelect().Model(&es).Where("target_kind NOT IN (?)", bun.In(setUpTargets)).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return es
}

// setUpTargets are the kinds of record the fixtures make through the
// services, which audit them: care homes (and their contracts, beds and
// closures) and hosts.
var setUpTargets = []string{"provider", "contract", "bed", "closure", "host"}

// matchedCarers writes matches as "name: what matched", marking exact
// matches with a !.
func matchedCarers(ms []booking.CarerMatch) []string {
	out := []string{}
	for _, m := range ms {
		s := m.Carer.Name + ": " + m.Matched
		if m.Exact {
			s += "!"
		}
		out = append(out, s)
	}
	return out
}

func TestService_FindCarers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		margaret := f.withCard(t, f.mkNamedCarer(t, "Margaret Oakes", "LS6 2QR"), "LDS-EC-0101")
		f.mkNamedPerson(t, margaret, "Arthur Oakes", "1938-05-01", []string{"dementia"}, nil)
		f.mkNamedPerson(t, margaret, "Lily Oakes", "2015-02-01", []string{"autism"}, nil)
		f.mkNamedCarer(t, "Sue Oakes", "LS1 4AP")
		// A name that holds Margaret's card number: the card comes first.
		f.mkNamedCarer(t, "Kim Ldsec0101", "LS1 4AP")
		// Someone who booked, so has a reference.
		bob := f.mkNamedCarer(t, "Bob Dyer", "LS7 3PD")
		home := f.mkHome(t, "Meadow View", 53.81, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		b := f.book(t, carerActor(bob), f.mkNamedPerson(t, bob, "Jean Dyer", "1944-01-01", nil, nil), home.beds[0], "2027-03-10", "2027-03-12")
		ref := b.Reference
		bare := strings.ReplaceAll(ref, "-", "")
		local := "0" + strings.TrimPrefix(margaret.Mobile, "+44") // 07700900…

		for _, tc := range []struct {
			name  string // the query, when it is not the same every run
			query string
			want  []string
		}{
			{"", "LDS-EC-0101", []string{"Margaret Oakes: emergency card!"}},
			{"", "lds ec 0101", []string{"Margaret Oakes: emergency card!"}},
			{"", "LDSEC0101", []string{"Margaret Oakes: emergency card!", "Kim Ldsec0101: name"}},
			{"", "lds-ec-0101", []string{"Margaret Oakes: emergency card!"}},
			{"", "  Lds.Ec/0101 ", []string{"Margaret Oakes: emergency card!"}},
			{"", "oakes", []string{"Margaret Oakes: name", "Sue Oakes: name"}},
			{"", "MARGARET", []string{"Margaret Oakes: name"}},
			{"", "garet  oa", []string{"Margaret Oakes: name"}},
			{"", "sue oakes", []string{"Sue Oakes: name"}},
			{"", "LS6 2QR", []string{"Margaret Oakes: postcode"}},
			{"", "ls62qr", []string{"Margaret Oakes: postcode"}},
			{"", "Ls6 2qR", []string{"Margaret Oakes: postcode"}},
			{"", "ls1 4ap", []string{"Kim Ldsec0101: postcode", "Sue Oakes: postcode"}},
			{"mobile as stored", margaret.Mobile, []string{"Margaret Oakes: mobile"}},
			{"mobile 07700…", local, []string{"Margaret Oakes: mobile"}},
			{"mobile 07700 9…", local[:5] + " " + local[5:], []string{"Margaret Oakes: mobile"}},
			{"mobile +44 (0)7700 9…", "+44 (0)" + local[1:5] + " " + local[5:], []string{"Margaret Oakes: mobile"}},
			{"reference as made", ref, []string{"Bob Dyer: booking " + ref + "!"}},
			{"reference in lower case", strings.ToLower(ref), []string{"Bob Dyer: booking " + ref + "!"}},
			{"reference without the hyphen", bare, []string{"Bob Dyer: booking " + ref + "!"}},
			{"reference with a space", strings.ToLower(bare[:3] + " " + bare[3:]), []string{"Bob Dyer: booking " + ref + "!"}},
			{"", "Nobody", []string{}},
			{"", "a%", []string{}},  // % and _ typed are not wildcards:
			{"", "o_k", []string{}}, // "Oak" has no "o_k" in it
			{"", "LS99 9ZZ", []string{}},
		} {
			if tc.name == "" {
				tc.name = tc.query
			}
			t.Run(tc.name, func(t *testing.T) {
				got, err := f.svc.FindCarers(ctx, duty, tc.query)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, matchedCarers(got)); diff != "" {
					t.Errorf("FindCarers(%q) (-want +got):\n%s", tc.query, diff)
				}
			})
		}

		t.Run("people's names, no emergency plan, not audited", func(t *testing.T) {
			got, err := f.svc.FindCarers(ctx, asAdmin, "lds ec 0101")
			if err != nil || len(got) != 1 {
				t.Fatalf("FindCarers = %v, %v", matchedCarers(got), err)
			}
			m := got[0]
			if diff := cmp.Diff([]string{"Arthur Oakes", "Lily Oakes"}, m.People); diff != "" {
				t.Errorf("people (-want +got):\n%s", diff)
			}
			if m.Carer.ID != margaret.ID || m.Carer.Mobile != margaret.Mobile || m.Carer.EmergencyCard == nil || *m.Carer.EmergencyCard != "LDS-EC-0101" {
				t.Errorf("carer = %+v", m.Carer)
			}
			if m.Carer.EmergencyPlan != "" || m.Carer.EmergencyContactPhone != nil {
				t.Errorf("a search showed the emergency plan %q and contact %v; that is CarerFile's, audited", m.Carer.EmergencyPlan, m.Carer.EmergencyContactPhone)
			}
			if es := auditEntries(t, db); len(es) != 0 {
				t.Errorf("a search wrote %d audit entries, want none", len(es))
			}
		})

		t.Run("at most 20", func(t *testing.T) {
			for i := range 25 {
				f.mkNamedCarer(t, fmt.Sprintf("Pat Many %02d", i), "LS2 7EW")
			}
			got, err := f.svc.FindCarers(ctx, duty, "pat many")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 20 || got[0].Carer.Name != "Pat Many 00" || got[19].Carer.Name != "Pat Many 19" {
				t.Errorf("FindCarers = %v, want the first 20 by name", matchedCarers(got))
			}
		})

		t.Run("whole name first", func(t *testing.T) {
			f.mkNamedCarer(t, "Ann Annerley", "LS2 7EW")
			f.mkNamedCarer(t, "Ann", "LS2 7EW")
			f.mkNamedCarer(t, "Joanne Smith", "LS2 7EW")
			got, err := f.svc.FindCarers(ctx, duty, "ANN")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"Ann: name", "Ann Annerley: name", "Joanne Smith: name"}
			if diff := cmp.Diff(want, matchedCarers(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	})
}

func TestService_FindCarers_Refused(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), nil)
	ctx := context.Background()
	c := f.withCard(t, f.mkNamedCarer(t, "Margaret Oakes", "LS6 2QR"), "LDS-EC-0101")
	for _, who := range []accounts.Principal{asCoordinator, carerActor(c), asHost} {
		if _, err := f.svc.FindCarers(ctx, who, "LDS-EC-0101"); !errors.Is(err, booking.ErrNotAllowed) {
			t.Errorf("%s/%s searching carers: %v, want ErrNotAllowed", who.Kind, who.Role, err)
		}
	}
	for _, q := range []string{"", " ", "M", " m ", "-"} {
		_, err := f.svc.FindCarers(ctx, duty, q)
		if names, _ := apperr.FieldNames(err); !cmp.Equal(names, []string{"q"}) {
			t.Errorf("FindCarers(%q) = %v, want an Invalid error on q", q, err)
		}
	}
	if _, err := f.svc.FindCarers(ctx, duty, strings.Repeat("a", 201)); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("a 201-character search: %v, want Invalid", err)
	}
}

func TestService_CarerFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil) // today is 1 March 2027
		ctx := context.Background()
		home := f.mkHome(t, "Meadow View", 53.81, -1.55, providers.ProviderInput{Specialisms: []string{"dementia"}},
			providers.BedInput{BedType: "residential_dementia"}, providers.BedInput{BedType: "residential"})
		carer := f.withCard(t, f.mkNamedCarer(t, "Margaret Oakes", "LS6 2QR"), "LDS-EC-0101")
		arthur := f.mkNamedPerson(t, carer, "Arthur Oakes", "1938-05-01", []string{"dementia"}, []string{"non_smoking"})
		if _, err := f.svc.UpdatePerson(ctx, duty, arthur.ID, booking.PersonPatch{StaffNotes: ptr("Wanders at night; keep the door alarm on.")}); err != nil {
			t.Fatal(err)
		}
		jean := f.mkNamedPerson(t, carer, "Jean Oakes", "1950-01-01", nil, nil)
		past := f.book(t, duty, arthur, home.beds[0], "2027-03-02", "2027-03-04")
		now := f.book(t, duty, arthur, home.beds[0], "2027-03-05", "2027-03-08")
		next := f.book(t, duty, jean, home.beds[1], "2027-03-20", "2027-03-22")
		soon := f.book(t, duty, arthur, home.beds[0], "2027-03-10", "2027-03-12")
		gone := f.book(t, duty, jean, home.beds[1], "2027-03-06", "2027-03-07")
		if _, err := f.svc.Cancel(ctx, duty, gone.ID, "Not needed"); err != nil {
			t.Fatal(err)
		}
		other := f.mkNamedCarer(t, "Sue Oakes", "LS1 4AP")
		f.book(t, duty, f.mkNamedPerson(t, other, "Sid Oakes", "1940-01-01", nil, nil), home.beds[1], "2027-03-05", "2027-03-08")
		f.clk.Set(london("2027-03-06 03:00"))
		before := len(auditEntries(t, db))

		file, err := f.svc.CarerFile(ctx, duty, carer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if file.Carer.ID != carer.ID || file.Carer.EmergencyPlan != carer.EmergencyPlan || file.Carer.EmergencyContactPhone == nil {
			t.Errorf("carer = %+v, want the record with its emergency plan and contact", file.Carer)
		}
		var people []string
		for _, p := range file.People {
			people = append(people, fmt.Sprintf("%s %v %v %q", p.Name, p.Needs, p.Requirements, p.StaffNotes))
		}
		want := []string{
			`Arthur Oakes [dementia] [non_smoking] "Wanders at night; keep the door alarm on."`,
			`Jean Oakes [] [] ""`,
		}
		if diff := cmp.Diff(want, people); diff != "" {
			t.Errorf("people (-want +got):\n%s", diff)
		}
		refs := func(stays []booking.Stay) []string {
			out := []string{}
			for _, st := range stays {
				out = append(out, st.Reference+" "+st.PersonName+" at "+st.PlaceName)
			}
			return out
		}
		if diff := cmp.Diff([]string{now.Reference + " Arthur Oakes at Meadow View, Room 1"}, refs(file.Current)); diff != "" {
			t.Errorf("current stays (-want +got):\n%s", diff)
		}
		wantNext := []string{soon.Reference + " Arthur Oakes at Meadow View, Room 1", next.Reference + " Jean Oakes at Meadow View, Room 2"}
		if diff := cmp.Diff(wantNext, refs(file.Upcoming)); diff != "" {
			t.Errorf("upcoming stays (-want +got):\n%s", diff)
		}
		if file.Current[0].Phone == "" || file.Current[0].Address == "" {
			t.Errorf("current stay %+v says not where they are", file.Current[0])
		}
		_ = past

		// The file, and each person's needs.
		es := auditEntries(t, db)
		if len(es) != before+3 {
			t.Fatalf("audit entries = %d, want %d", len(es), before+3)
		}
		e := es[before]
		if e.Action != audit.EmergencyLookup || e.TargetKind != "carer" || e.TargetID != carer.ID || e.ActorID != duty.ID || e.ActorName != duty.Name {
			t.Errorf("audit entry = %+v", e)
		}
		for i, p := range []booking.Person{arthur, jean} {
			if e := es[before+1+i]; e.Action != audit.PersonNeedsRead || e.TargetKind != "person" || e.TargetID != p.ID || e.ActorID != duty.ID || e.Reason != "carer's file on the duty console" {
				t.Errorf("audit entry for %s's needs = %+v", p.Name, e)
			}
		}

		t.Run("admins too", func(t *testing.T) {
			if _, err := f.svc.CarerFile(ctx, asAdmin, carer.ID); err != nil {
				t.Errorf("an administrator: %v", err)
			}
		})

		t.Run("refused and unknown, unaudited", func(t *testing.T) {
			n := len(auditEntries(t, db))
			for _, who := range []accounts.Principal{asCoordinator, carerActor(carer), asHost} {
				if _, err := f.svc.CarerFile(ctx, who, carer.ID); !errors.Is(err, booking.ErrNotAllowed) {
					t.Errorf("%s/%s reading a carer's file: %v, want ErrNotAllowed", who.Kind, who.Role, err)
				}
			}
			if _, err := f.svc.CarerFile(ctx, duty, 999999); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("no such carer: %v, want ErrCarerNotFound", err)
			}
			if got := len(auditEntries(t, db)); got != n {
				t.Errorf("refusals wrote %d audit entries, want none", got-n)
			}
		})

		t.Run("no people, no stays", func(t *testing.T) {
			file, err := f.svc.CarerFile(ctx, duty, f.mkNamedCarer(t, "New Carer", "LS2 7EW").ID)
			if err != nil {
				t.Fatal(err)
			}
			if file.People == nil || file.Current == nil || file.Upcoming == nil || len(file.People)+len(file.Current)+len(file.Upcoming) != 0 {
				t.Errorf("file = %+v, want empty lists", file)
			}
		})
	})
}
