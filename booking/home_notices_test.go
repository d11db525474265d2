package booking_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
)

// homeMobile is a fresh mobile for a home's texts, from the same drama
// range and sequence as carers' and hosts', so no two share one.
func homeMobile() string { return fmt.Sprintf("+447700900%03d", mobileSeq.Add(1)%1000) }

// textsTo lists the texts to phone, oldest first.
func (f *fixture) textsTo(t testing.TB, phone string) []notify.Message {
	t.Helper()
	var ms []notify.Message
	if err := f.db.NewSelect().Model(&ms).Where("recipient = ?", phone).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ms
}

// templatesTo lists the templates of the texts to phone, oldest first.
func (f *fixture) templatesTo(t testing.TB, phone string) []string {
	t.Helper()
	out := []string{}
	for _, m := range f.textsTo(t, phone) {
		out = append(out, m.Template)
	}
	return out
}

// homeTexts counts the texts written for care homes, to anyone.
func (f *fixture) homeTexts(t testing.TB) int64 {
	t.Helper()
	n, err := f.db.NewSelect().Model((*notify.Message)(nil)).Where("template LIKE 'home_%'").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHomes_ToldOfEachStay: a care home with a notifications mobile is
// texted when a stay there is booked, extended, ended early, moved
// (away, or in) or cancelled, and at once when an emergency is placed;
// a home without one is texted nothing, and staff are told to ring it.
func TestHomes_ToldOfEachStay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		oak := f.mkHome(t, "Oakwood", 53.80, -1.55, providers.ProviderInput{NotificationsMobile: homeMobile()},
			providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		elm := f.mkHome(t, "Elm House", 53.81, -1.55, providers.ProviderInput{NotificationsMobile: homeMobile()},
			providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		ash := f.mkHome(t, "Ash Court", 53.82, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		oakMobile, elmMobile := oak.provider.NotificationsMobile, elm.provider.NotificationsMobile
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)

		t.Run("booked, extended, moved part-way, ended early", func(t *testing.T) {
			b := f.book(t, carerActor(carer), p, oak.beds[0], "2027-04-03", "2027-04-06")
			m := f.lastText(t, oakMobile)
			if m.Template != notify.TemplateHomeStayBooked || !strings.Contains(m.Body, "Oakwood") ||
				!strings.Contains(m.Body, b.Reference) || !strings.Contains(m.Body, "Sat 3 Apr to Tue 6 Apr") {
				t.Errorf("the home's text on booking = %s %q", m.Template, m.Body)
			}
			if strings.Contains(m.Body, p.Name) || strings.Contains(m.Body, carer.Name) {
				t.Errorf("the home's text names someone: %q", m.Body)
			}

			if _, err := f.svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-04-08"), Reason: "Carer's operation moved"}); err != nil {
				t.Fatal(err)
			}
			if m := f.lastText(t, oakMobile); m.Template != notify.TemplateHomeStayChanged || !strings.Contains(m.Body, "Sat 3 Apr to Thu 8 Apr") {
				t.Errorf("the home's text on extending = %s %q", m.Template, m.Body)
			}

			rest, err := f.svc.Move(ctx, duty, b.ID, booking.StayMove{Place: bedPlace(elm.beds[0]), From: d("2027-04-06"), Reason: "Hoist broken"})
			if err != nil {
				t.Fatal(err)
			}
			if m := f.lastText(t, oakMobile); m.Template != notify.TemplateHomeStayChanged || !strings.Contains(m.Body, "Sat 3 Apr to Tue 6 Apr") {
				t.Errorf("the first home's text on moving part-way = %s %q", m.Template, m.Body)
			}
			if m := f.lastText(t, elmMobile); m.Template != notify.TemplateHomeStayBooked || !strings.Contains(m.Body, rest.Reference) ||
				!strings.Contains(m.Body, "Tue 6 Apr to Thu 8 Apr") {
				t.Errorf("the second home's text on moving part-way = %s %q", m.Template, m.Body)
			}

			if _, err := f.svc.EndEarly(ctx, duty, rest.ID, d("2027-04-07"), "Carer home early"); err != nil {
				t.Fatal(err)
			}
			if m := f.lastText(t, elmMobile); m.Template != notify.TemplateHomeStayChanged || !strings.Contains(m.Body, "Tue 6 Apr to Wed 7 Apr") {
				t.Errorf("the home's text on ending early = %s %q", m.Template, m.Body)
			}
		})

		t.Run("moved whole, then cancelled", func(t *testing.T) {
			b := f.book(t, duty, p, oak.beds[1], "2027-05-03", "2027-05-05")
			if _, err := f.svc.Move(ctx, duty, b.ID, booking.StayMove{Place: bedPlace(elm.beds[1]), Reason: "Nearer home"}); err != nil {
				t.Fatal(err)
			}
			if m := f.lastText(t, oakMobile); m.Template != notify.TemplateHomeStayCancelled || !strings.Contains(m.Body, b.Reference) {
				t.Errorf("the home moved away from: %s %q", m.Template, m.Body)
			}
			if m := f.lastText(t, elmMobile); m.Template != notify.TemplateHomeStayBooked || !strings.Contains(m.Body, b.Reference) {
				t.Errorf("the home moved to: %s %q", m.Template, m.Body)
			}
			if _, err := f.svc.Cancel(ctx, duty, b.ID, "No longer needed"); err != nil {
				t.Fatal(err)
			}
			if m := f.lastText(t, elmMobile); m.Template != notify.TemplateHomeStayCancelled || !strings.Contains(m.Body, "Mon 3 May") {
				t.Errorf("the home's text on cancelling = %s %q", m.Template, m.Body)
			}
		})

		want := map[string][]string{
			oakMobile: {notify.TemplateHomeStayBooked, notify.TemplateHomeStayChanged, notify.TemplateHomeStayChanged,
				notify.TemplateHomeStayBooked, notify.TemplateHomeStayCancelled},
			elmMobile: {notify.TemplateHomeStayBooked, notify.TemplateHomeStayChanged,
				notify.TemplateHomeStayBooked, notify.TemplateHomeStayCancelled},
		}
		for phone, templates := range want {
			if diff := cmp.Diff(templates, f.templatesTo(t, phone)); diff != "" {
				t.Errorf("texts to %s (-want +got):\n%s", phone, diff)
			}
		}

		t.Run("a home without a mobile is not texted, and staff are told to ring it", func(t *testing.T) {
			before := f.homeTexts(t)
			b := f.book(t, duty, p, ash.beds[0], "2027-06-03", "2027-06-05")
			if _, err := f.svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-06-06"), Reason: "r"}); err != nil {
				t.Fatal(err)
			}
			told, err := f.svc.PlaceTold(ctx, duty, b.ID)
			if err != nil || told.Texted || told.Name != "Ash Court" || told.Phone != "+441134960001" {
				t.Errorf("PlaceTold = %+v, %v; want not texted, with the home's phone to ring", told, err)
			}
			if _, err := f.svc.Cancel(ctx, duty, b.ID, "r"); err != nil {
				t.Fatal(err)
			}
			if got := f.homeTexts(t); got != before {
				t.Errorf("%d texts for a home with no mobile", got-before)
			}
			if got := f.textsTo(t, ash.provider.Phone); len(got) != 0 {
				t.Errorf("the home's main line was texted: %v", got)
			}
			if told, _ := f.svc.PlaceTold(ctx, duty, f.book(t, duty, p, oak.beds[0], "2027-06-10", "2027-06-11").ID); !told.Texted {
				t.Errorf("a home with a mobile: PlaceTold = %+v, want texted", told)
			}
		})

		t.Run("emergencies: the home's mobile at once, or nobody and a call", func(t *testing.T) {
			f.clk.Set(london("2027-07-01 03:00"))
			withContact := f.withCard(t, f.mkCarer(t, 28), "LDS-EC-0301")
			mum := f.mkPerson(t, withContact, "1940-01-01", nil, nil)
			b, err := f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: mum.ID, Place: bedPlace(oak.beds[0]), Arrive: d("2027-06-30"), Depart: d("2027-07-02"), Reason: "Carer in hospital"})
			if err != nil {
				t.Fatal(err)
			}
			m := f.lastText(t, oakMobile)
			if m.Template != notify.TemplateEmergencyPlacementPlace || !m.Urgent || m.NextAttemptAt.After(f.clk.Now()) || !strings.Contains(m.Body, b.Reference) {
				t.Errorf("the home's emergency text = %s %q, urgent %v, due %v", m.Template, m.Body, m.Urgent, m.NextAttemptAt)
			}
			// Worded for the contact, who is not the carer.
			c := f.lastText(t, *withContact.EmergencyContactPhone)
			if c.Template != notify.TemplateEmergencyPlacementContact || !strings.Contains(c.Body, "names you as a contact") ||
				strings.Contains(c.Body, "you care for") || !strings.Contains(c.Body, b.Reference) || strings.Contains(c.Body, mum.Name) {
				t.Errorf("the contact's text = %q", c.Body)
			}

			dad := f.mkPerson(t, f.mkCarer(t, 28), "1940-01-01", nil, nil)
			b, err = f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: dad.ID, Place: bedPlace(ash.beds[0]), Arrive: d("2027-06-30"), Depart: d("2027-07-02"), Reason: "Carer in hospital"})
			if err != nil {
				t.Fatal(err)
			}
			sent, err := f.svc.TextsSent(ctx, duty, b.ID)
			if err != nil || len(sent) != 0 {
				t.Errorf("texts for a placement at a home with no mobile, to a carer with no contact = %+v, %v; want none", sent, err)
			}
			if told, _ := f.svc.PlaceTold(ctx, duty, b.ID); told.Texted || told.Phone == "" {
				t.Errorf("PlaceTold = %+v, want a home to ring", told)
			}

			rate := int64(20000)
			spot, err := f.svc.SpotPlacement(ctx, duty, booking.SpotRequest{PersonID: f.mkPerson(t, f.mkCarer(t, 28), "1940-01-01", nil, nil).ID,
				ProviderID: elm.provider.ID, BedType: "residential", NightlyRatePence: &rate, Arrive: d("2027-07-01"), Depart: d("2027-07-03"), Reason: "Carer collapsed"})
			if err != nil {
				t.Fatal(err)
			}
			if m := f.lastText(t, elmMobile); m.Template != notify.TemplateEmergencyPlacementPlace || !strings.Contains(m.Body, spot.Reference) {
				t.Errorf("the home's text for a spot placement = %s %q", m.Template, m.Body)
			}
			sent, _ = f.svc.TextsSent(ctx, duty, spot.ID)
			if len(sent) != 1 || sent[0].Who != "the home or host" || sent[0].To != elmMobile {
				t.Errorf("texts sent for the spot placement = %+v", sent)
			}
		})
	})
}

// TestHomes_NoticeTiming: at 23:30 a carer's confirmation goes at once, and
// so does the home's notice when the stay starts tomorrow; the home's
// notice of a stay next week waits for 08:00.
func TestHomes_NoticeTiming(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		oak := f.mkHome(t, "Oakwood", 53.80, -1.55, providers.ProviderInput{NotificationsMobile: homeMobile()},
			providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		f.clk.Set(london("2027-03-01 23:30"))
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		morning := london("2027-03-02 08:00")

		f.book(t, carerActor(carer), p, oak.beds[0], "2027-03-09", "2027-03-11")
		if m := f.lastText(t, carer.Mobile); m.Template != notify.TemplateBookingConfirmed || !m.NextAttemptAt.Equal(f.clk.Now()) {
			t.Errorf("the carer's confirmation at 23:30 is due %v, want at once", m.NextAttemptAt.In(calendar.London))
		}
		if m := f.lastText(t, oak.provider.NotificationsMobile); !m.NextAttemptAt.Equal(morning) {
			t.Errorf("the home's notice of a stay next week, at 23:30, is due %v, want 08:00", m.NextAttemptAt.In(calendar.London))
		}

		f.book(t, carerActor(carer), p, oak.beds[1], "2027-03-02", "2027-03-03")
		if m := f.lastText(t, oak.provider.NotificationsMobile); !m.NextAttemptAt.Equal(f.clk.Now()) {
			t.Errorf("the home's notice of a stay tomorrow, at 23:30, is due %v, want at once", m.NextAttemptAt.In(calendar.London))
		}
	})
}

// TestService_TellHomesTheDay: each morning one text to each home with
// stays arriving or leaving that day, listing them; none to homes with
// neither, or with no mobile; and running the job again sends nothing more.
func TestService_TellHomesTheDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		beds := []providers.BedInput{{BedType: "residential"}, {BedType: "residential"}, {BedType: "residential"}, {BedType: "residential"}}
		busy := f.mkHome(t, "Oakwood", 53.80, -1.55, providers.ProviderInput{NotificationsMobile: homeMobile()}, beds...)
		quiet := f.mkHome(t, "Elm House", 53.81, -1.55, providers.ProviderInput{NotificationsMobile: homeMobile()}, beds[0])
		unreachable := f.mkHome(t, "Ash Court", 53.82, -1.55, providers.ProviderInput{}, beds[0])
		person := func() booking.Person { return f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil) }

		arriving := f.book(t, duty, person(), busy.beds[0], "2027-04-03", "2027-04-05")
		leaving := f.book(t, duty, person(), busy.beds[1], "2027-04-01", "2027-04-03")
		f.book(t, duty, person(), busy.beds[2], "2027-04-02", "2027-04-06") // staying on: neither
		cancelled := f.book(t, duty, person(), busy.beds[3], "2027-04-03", "2027-04-04")
		if _, err := f.svc.Cancel(ctx, duty, cancelled.ID, "Not needed"); err != nil {
			t.Fatal(err)
		}
		f.book(t, duty, person(), quiet.beds[0], "2027-04-10", "2027-04-12") // next week: nothing today
		f.book(t, duty, person(), unreachable.beds[0], "2027-04-03", "2027-04-04")

		f.clk.Set(london("2027-04-03 07:30"))
		for range 2 { // the second run, as on another instance, sends nothing more
			if err := f.svc.TellHomesTheDay(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var days []notify.Message
		if err := db.NewSelect().Model(&days).Where("template = ?", notify.TemplateHomeDay).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(days) != 1 {
			t.Fatalf("%d morning texts, want 1 (to Oakwood only): %+v", len(days), days)
		}
		m := days[0]
		want := fmt.Sprintf("Respite at Oakwood today: arriving %s; leaving %s. For details, call 0113 496 0000.", arriving.Reference, leaving.Reference)
		if m.Recipient != busy.provider.NotificationsMobile || m.Body != want {
			t.Errorf("morning text to %s: %q\nwant to %s: %q", m.Recipient, m.Body, busy.provider.NotificationsMobile, want)
		}
		if !m.NextAttemptAt.Equal(f.clk.Now()) {
			t.Errorf("the morning text is due %v; it is about today, so it goes at once", m.NextAttemptAt.In(calendar.London))
		}

		// The next day is a new text.
		f.clk.Set(london("2027-04-05 07:30"))
		if err := f.svc.TellHomesTheDay(ctx); err != nil {
			t.Fatal(err)
		}
		if m := f.lastText(t, busy.provider.NotificationsMobile); m.Template != notify.TemplateHomeDay ||
			!strings.Contains(m.Body, "arriving none; leaving "+arriving.Reference) {
			t.Errorf("the next morning's text = %q", m.Body)
		}
	})
}
