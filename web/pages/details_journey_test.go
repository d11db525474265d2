package pages_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// The journeys here reach the pages' other states: a carer's own details,
// choosing who a break is for, a place that is no longer held, a stay too
// late to cancel, and the error pages. Each runs with JavaScript off on a
// desktop and on a 320-pixel phone, and axe audits every page it reaches.

// onEveryScreen runs journey on a desktop and on the narrowest phone.
func onEveryScreen(t *testing.T, journey func(t *testing.T, width, height int)) {
	t.Helper()
	for _, screen := range []struct {
		name          string
		width, height int
	}{{"desktop", browsertest.DesktopWidth, browsertest.DesktopHeight}, {"phone", browsertest.MobileWidth, browsertest.MobileHeight}} {
		t.Run(screen.name, func(t *testing.T) { journey(t, screen.width, screen.height) })
	}
}

// TestCarerChangesContactDetails: Helen looks at her details, mistypes her
// email and forgets her emergency contact's number, puts both right, and
// later takes her email off.
func TestCarerChangesContactDetails(t *testing.T) {
	onEveryScreen(t, func(t *testing.T, width, height int) {
		s := newSite(t, dbtest.SQLite(t))
		helen := newVisitor(t, s, width, height)
		helen.signIn(helenMobile)

		helen.wantStatus(helen.FollowLink("Your details"), 200)
		helen.sees("Your details", "Helen Okafor", helenMobile, "Not given", "Grace", "07700 900999", "LS8 2PA", "ring the booking line")

		helen.wantStatus(helen.FollowLink("Change email"), 200)
		helen.sees("Change your contact details", "Email address (optional)", "Emergency contact")
		helen.hasValue("contact-name", "Grace")
		helen.hasValue("contact-phone", "07700 900999") // as she would write it, not +44…
		helen.Fill("email", "helen.okafor@")
		helen.Fill("contact-phone", "")
		helen.wantStatus(helen.Submit("Save"), 422)
		helen.seesErrors("Enter an email address in the form name@example.org, or leave it out.", "Enter a phone number for Grace.")
		helen.hasValue("email", "helen.okafor@") // what she typed is kept
		if c := s.carer(t, s.helen.ID); c.Email != nil || c.EmergencyContactPhone == nil || *c.EmergencyContactPhone != "+447700900999" {
			t.Errorf("after a refused form Helen's record has email %v and emergency phone %v; want them unchanged", deref(c.Email), deref(c.EmergencyContactPhone))
		}

		helen.Fill("email", "helen.okafor@example.org")
		helen.Fill("contact-name", "Chidi Okafor")
		helen.Fill("contact-phone", "0113 496 0123")
		helen.wantStatus(helen.Submit("Save"), 200)
		helen.sees("Your details have been saved.", "helen.okafor@example.org", "Chidi Okafor", "0113 496 0123")
		if got := helen.Title(); strings.HasPrefix(got, "Error") {
			t.Errorf("title after saving = %q", got)
		}
		c := s.carer(t, s.helen.ID)
		if deref(c.Email) != "helen.okafor@example.org" || c.EmergencyContactName != "Chidi Okafor" || deref(c.EmergencyContactPhone) != "+441134960123" {
			t.Errorf("Helen's record has email %q and emergency contact %q on %q; want helen.okafor@example.org and Chidi Okafor on +441134960123",
				deref(c.Email), c.EmergencyContactName, deref(c.EmergencyContactPhone))
		}

		helen.wantStatus(helen.FollowLink("Change email"), 200)
		helen.hasValue("email", "helen.okafor@example.org")
		helen.Fill("email", "")
		helen.wantStatus(helen.Submit("Save"), 200)
		helen.sees("Your details have been saved.", "Not given", "Chidi Okafor")
		helen.doesNotSee("helen.okafor@example.org")
		if c := s.carer(t, s.helen.ID); c.Email != nil || c.EmergencyContactName != "Chidi Okafor" {
			t.Errorf("after clearing her email Helen's record has email %v and emergency contact %q", deref(c.Email), c.EmergencyContactName)
		}
	})
}

// TestCarerChangesMobile: Helen changes her mobile number. She mistypes it,
// gives her own number and then David's, then her new one; she mistypes the
// code texted to it, then enters it. Texts and sign-in then go to the new
// number, and the old one is told.
func TestCarerChangesMobile(t *testing.T) {
	onEveryScreen(t, func(t *testing.T, width, height int) {
		s := newSite(t, dbtest.SQLite(t))
		const newMobile = "07700 900111"
		helen := newVisitor(t, s, width, height)
		helen.signIn(helenMobile)
		codesToOld := s.phones.count(t, helenMobile)

		helen.wantStatus(helen.FollowLink("Your details"), 200)
		helen.wantStatus(helen.FollowLink("Change mobile number"), 200)
		helen.sees("What is your new mobile number?", "texts keep going to your old number")

		for _, try := range []struct {
			mobile string
			status int
			says   string
		}{
			{"07700 9001", 422, "Enter a UK phone number, like 0113 496 0000"},                 // too short
			{helenMobile, 422, "That is already your mobile number."},                          // her own
			{davidMobile, 409, "Another carer is already registered with that mobile number."}, // David's
		} {
			helen.Fill("mobile", try.mobile)
			helen.wantStatus(helen.Submit("Send a code"), try.status)
			helen.seesErrors(try.says)
			helen.hasValue("mobile", try.mobile)
		}
		if n := s.outbox(t, newMobile, notify.TemplateMobileChangeCode); len(n) != 0 {
			t.Fatalf("a code was texted before Helen gave a number she may have: %v", n)
		}

		helen.Fill("mobile", newMobile)
		helen.wantStatus(helen.Submit("Send a code"), 200)
		helen.sees("Check your new phone", "6-digit code")
		if c := s.carer(t, s.helen.ID); c.Mobile != "+447700900101" {
			t.Errorf("Helen's mobile is %s before she has entered the code", c.Mobile)
		}

		helen.Fill("code", "000000")
		helen.wantStatus(helen.Submit("Change my number"), 422)
		helen.seesErrors("That code is not right", "you can try "+strconv.Itoa(accounts.MaxCodeAttempts-1)+" more times")

		helen.Fill("code", s.codeTextedTo(t, newMobile, notify.TemplateMobileChangeCode))
		helen.wantStatus(helen.Submit("Change my number"), 200)
		helen.sees("Your mobile number has been changed", newMobile)
		helen.doesNotSee(helenMobile)
		if c := s.carer(t, s.helen.ID); c.Mobile != "+447700900111" {
			t.Errorf("Helen's mobile is %s after the change, want +447700900111", c.Mobile)
		}
		if told := s.outbox(t, helenMobile, notify.TemplateMobileChanged); len(told) != 1 {
			t.Errorf("the old number was sent %d texts saying the number changed, want 1", len(told))
		}

		// She signs out, and signs in with her new number.
		helen.wantStatus(helen.Submit("Sign out"), 200)
		helen.sees("You have signed out.")
		helen.signIn(newMobile)
		helen.sees("Your short breaks", "Margaret Okafor")
		helen.wantStatus(helen.Submit("Sign out"), 200)

		// Her old number no longer signs in: the page answers as it does
		// for any number, but no code goes to it, and her last one fails.
		lastOldCode := s.phones.lastCode(t, helenMobile)
		helen.wantStatus(helen.Visit("/sign-in"), 200)
		helen.Fill("phone", helenMobile)
		helen.wantStatus(helen.Submit("Send me a code"), 200)
		helen.sees("Check your phone")
		if got := s.phones.count(t, helenMobile); got != codesToOld {
			t.Errorf("%d sign-in codes texted to Helen's old number after the change, want none", got-codesToOld)
		}
		helen.Fill("code", lastOldCode)
		helen.wantStatus(helen.Submit("Sign in"), 401)
		helen.seesErrors("That code is not right")
	})
}

// TestCarerChoosesWhoTheBreakIsFor: Helen looks after Margaret and, now,
// her son Sam too, so booking a break asks who it is for. She forgets to
// choose, then books a break for Sam.
func TestCarerChoosesWhoTheBreakIsFor(t *testing.T) {
	onEveryScreen(t, func(t *testing.T, width, height int) {
		s := newSite(t, dbtest.SQLite(t))
		sam, err := s.booking.AddPerson(t.Context(), s.duty, s.helen.ID, booking.PersonInput{
			Name: "Sam Okafor", DateOfBirth: calendar.Date{Year: 1979, Month: 6, Day: 5}, Needs: []string{"dementia"},
		})
		if err != nil {
			t.Fatal(err)
		}
		helen := newVisitor(t, s, width, height)
		helen.signIn(helenMobile)
		helen.sees("Margaret Okafor", "Sam Okafor")

		helen.wantStatus(helen.Click(`main a[href="/book"]`), 200)
		helen.sees("Who is the break for?", "Margaret Okafor", "Sam Okafor")
		helen.wantStatus(helen.Submit("Continue"), 422)
		helen.seesErrors("Select who the break is for.")

		helen.Choose("Sam Okafor")
		helen.wantStatus(helen.Submit("Continue"), 200)
		helen.sees("A break for Sam Okafor", "When is the break?")
		if want := "person=" + strconv.FormatInt(sam.ID, 10); !strings.Contains(helen.URL(), want) {
			t.Errorf("the \"when\" page is %s, want it to ask about %s", helen.URL(), want)
		}

		arrive := s.today.AddDays(14)
		helen.fillDate("arrive", arrive)
		helen.Fill("nights", "2")
		helen.wantStatus(helen.Submit("Find places"), 200)
		helen.wantStatus(helen.Submit("Choose this place: Meadow View Care Home, Room 2"), 200)
		helen.sees("Check the details, then book", "Sam Okafor")
		helen.wantStatus(helen.Submit("Book this stay"), 200)
		helen.sees("Stay booked", "Your reference")

		var stays []booking.Booking
		if err := s.db.NewSelect().Model(&stays).Where("carer_id = ?", s.helen.ID).Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(stays) != 1 || stays[0].PersonID != sam.ID || stays[0].Arrive != arrive || stays[0].Nights != 2 || stays[0].Status != booking.StatusConfirmed {
			t.Errorf("Helen's bookings = %+v; want one confirmed stay of 2 nights for Sam (person %d) from %s", stays, sam.ID, arrive)
		}
	})
}

// TestHeldPlaceGoes: Helen holds a place, and is called away; when she
// presses "Book this stay" the hold has run out, and nothing is booked.
// Then she holds another, changes her mind and lets it go; going back to
// the check page finds nothing there.
func TestHeldPlaceGoes(t *testing.T) {
	onEveryScreen(t, func(t *testing.T, width, height int) {
		s := newSite(t, dbtest.SQLite(t))
		helen := newVisitor(t, s, width, height)
		helen.signIn(helenMobile)

		check := helen.holdRoom2(s.today.AddDays(14), 3)
		s.holdRunsOut(t, check)
		helen.wantStatus(helen.Submit("Book this stay"), 409)
		helen.seesErrors("The hold has expired", "Nothing has been booked from this page.")
		if got := helen.Title(); !strings.HasPrefix(got, "Error: The place is no longer held") {
			t.Errorf("title = %q", got)
		}
		if n := s.count(t, "bookings", "carer_id = ?", s.helen.ID); n != 0 {
			t.Errorf("Helen has %d bookings after her hold ran out, want 0", n)
		}
		// The check page itself says the same, if she reloads it.
		helen.wantStatus(helen.Visit(check), 409)
		helen.seesErrors("The hold has expired")

		helen.wantStatus(helen.FollowLink("Search again"), 200)
		helen.sees("When is the break?")
		check = helen.holdRoom2(s.today.AddDays(40), 2)
		helen.wantStatus(helen.Submit("Do not book: let the place go"), 200)
		helen.sees("We have let the place go", "There are no stays booked")
		if n := s.count(t, "holds", "id = ?", holdIn(t, check)); n != 0 {
			t.Errorf("the hold Helen let go is still in the database (%d rows)", n)
		}
		// Back (the page is never cached, so the browser asks again).
		helen.wantStatus(helen.Visit(check), 404)
		helen.sees("The place is no longer held", "Search again")
		if n := s.count(t, "bookings", "carer_id = ?", s.helen.ID); n != 0 {
			t.Errorf("Helen has %d bookings, want 0", n)
		}
	})
}

// TestTooLateToCancelOnline: a stay that starts tomorrow is inside the
// cancel cutoff, so Helen is told to ring; and a stay that staff cancel
// while she has its cancel page open is not cancelled twice.
func TestTooLateToCancelOnline(t *testing.T) {
	onEveryScreen(t, func(t *testing.T, width, height int) {
		s := newSite(t, dbtest.SQLite(t))
		tomorrow := s.staffBook(t, s.margaret, s.today.AddDays(1), 2)
		later := s.staffBook(t, s.margaret, s.today.AddDays(50), 2)
		helen := newVisitor(t, s, width, height)
		helen.signIn(helenMobile)

		helen.wantStatus(helen.Visit("/stays/"+strconv.FormatInt(tomorrow.ID, 10)), 200)
		helen.sees(tomorrow.Reference, "It is too late to cancel this stay online", "0113 496 0000")
		helen.doesNotSee("Cancel this stay")
		helen.wantStatus(helen.Visit("/stays/"+strconv.FormatInt(tomorrow.ID, 10)+"/cancel"), 200)
		helen.sees("Cancel Margaret Okafor's stay", "It is too late to cancel this stay online", "0113 496 0000")
		helen.hasNoButton("Cancel the stay")
		if got := bookingStatus(t, s.db, tomorrow.ID); got != booking.StatusConfirmed {
			t.Errorf("tomorrow's stay is %s, want it confirmed", got)
		}

		helen.wantStatus(helen.Visit("/stays/"+strconv.FormatInt(later.ID, 10)+"/cancel"), 200)
		helen.sees("back to your allowance")
		if _, err := s.booking.Cancel(t.Context(), s.duty, later.ID, "Helen rang to cancel"); err != nil {
			t.Fatal(err)
		}
		helen.wantStatus(helen.Submit("Cancel the stay"), 409)
		helen.seesErrors("That booking is already cancelled.", "This stay has been cancelled")
		helen.doesNotSee("too late")
		helen.hasNoButton("Cancel the stay")
		var by string
		if err := s.db.NewSelect().Table("bookings").Column("cancelled_by_kind").Where("id = ?", later.ID).Scan(t.Context(), &by); err != nil {
			t.Fatal(err)
		}
		if by != string(accounts.SubjectStaff) {
			t.Errorf("the stay was cancelled by %q, want staff (once)", by)
		}
	})
}

// TestErrorPages: the pages people meet when something is not right: an
// address that does not exist, a host on a carer's page, a form sent after
// its session ended or by someone not signed in, and a fault.
func TestErrorPages(t *testing.T) {
	onEveryScreen(t, func(t *testing.T, width, height int) {
		s := newSite(t, dbtest.SQLite(t))

		t.Run("404 for an address that does not exist", func(t *testing.T) {
			v := newVisitor(t, s, width, height)
			v.wantStatus(v.Visit("/no-such-page"), 404)
			v.sees("Page not found", "check it is correct", "0113 496 0000", "Go to the start page")
		})

		t.Run("403 for a host on a carer's page", func(t *testing.T) {
			ann := newVisitor(t, s, width, height)
			ann.signIn(annMobile)
			ann.wantStatus(ann.Visit("/home"), 403)
			ann.sees("You cannot do that", "You cannot see this page when you are signed in this way.")
		})

		t.Run("401 for a form sent after its session ended, and sign-in says why", func(t *testing.T) {
			helen := newVisitor(t, s, width, height)
			helen.signIn(helenMobile)
			helen.wantStatus(helen.Visit("/details/contact"), 200)
			helen.Fill("email", "helen@example.org")
			s.endSessions(t, accounts.SubjectCarer, s.helen.ID)
			helen.wantStatus(helen.Submit("Save"), 401)
			helen.sees("You are signed out", "nothing was changed")
			if c := s.carer(t, s.helen.ID); c.Email != nil {
				t.Errorf("Helen's email is %q after a refused form", *c.Email)
			}
		})

		t.Run("a page asked for after the session ended says so at sign-in", func(t *testing.T) {
			helen := newVisitor(t, s, width, height)
			helen.signIn(helenMobile)
			s.endSessions(t, accounts.SubjectCarer, s.helen.ID)
			helen.wantStatus(helen.Visit("/home"), 200)
			helen.sees("What is your mobile number?", "your session ended")
		})

		t.Run("401 for a carer's form sent by someone signed out", func(t *testing.T) {
			v := newVisitor(t, s, width, height)
			v.wantStatus(v.Visit("/sign-in"), 200)
			v.pointFormAt("/details/contact")
			v.wantStatus(v.Submit("Send me a code"), 401)
			v.sees("You are signed out", "nothing was changed", "Sign in")
			v.wantStatus(v.FollowLink("Sign in"), 200)
			v.sees("What is your mobile number?")
		})

		t.Run("500 when the database has gone", func(t *testing.T) {
			s := newSite(t, dbtest.SQLite(t))
			helen := newVisitor(t, s, width, height)
			helen.signIn(helenMobile)
			if err := s.db.Close(); err != nil {
				t.Fatal(err)
			}
			helen.wantStatus(helen.Visit("/home"), 500)
			helen.sees("Sorry, there is a problem with the service", "Nothing you were doing has been lost", "quote this reference")
			if !requestID.MatchString(helen.Text()) {
				t.Errorf("no request id to quote on the 500 page:\n%s", helen.Text())
			}
		})
	})
}

var requestID = regexp.MustCompile(`reference:\s+[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// seesErrors fails the test unless the page is a form shown again with
// errors: "Error: " in its title, the error summary, and each of texts.
func (v *visitor) seesErrors(texts ...string) {
	v.t.Helper()
	if got := v.Title(); !strings.HasPrefix(got, "Error: ") {
		v.t.Errorf("title of %s = %q, want it to start \"Error: \"", v.URL(), got)
	}
	v.sees(append([]string{"There is a problem"}, texts...)...)
}

// doesNotSee fails the test if the page shows any of texts.
func (v *visitor) doesNotSee(texts ...string) {
	v.t.Helper()
	page := v.Text()
	for _, unwanted := range texts {
		if strings.Contains(page, unwanted) {
			v.t.Errorf("page %s (%q) says %q; it should not:\n%s", v.URL(), v.Title(), unwanted, page)
		}
	}
}

// hasValue fails the test unless the field with id holds want.
func (v *visitor) hasValue(id, want string) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.Context(), browsertest.DefaultTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#"+id)))
	if err != nil {
		v.t.Fatalf("reading the field %s on %s: %v", id, v.URL(), err)
	}
	if got != want {
		v.t.Errorf("the field %s on %s holds %q, want %q", id, v.URL(), got, want)
	}
}

// hasNoButton fails the test if the page has a button reading text.
func (v *visitor) hasNoButton(text string) {
	v.t.Helper()
	if strings.Contains(v.HTML(), ">"+text+"</button>") {
		v.t.Errorf("page %s has a %q button; it should not", v.URL(), text)
	}
}

// pointFormAt sends the page's form to path instead, as a page saved from
// another time, or made elsewhere, would. Scripts stay off: only the
// form's action changes.
func (v *visitor) pointFormAt(path string) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.Context(), browsertest.DefaultTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetAttributeValue(chromedp.CSS("main form"), "action", path)); err != nil {
		v.t.Fatalf("pointing the form on %s at %s: %v", v.URL(), path, err)
	}
}

// holdRoom2 searches from the "when" question for Margaret's stay and holds
// Room 2 at Meadow View, and returns the path of the check page it reaches.
func (v *visitor) holdRoom2(arrive calendar.Date, nights int) string {
	v.t.Helper()
	v.wantStatus(v.Visit("/book/when?person="+strconv.FormatInt(v.site.margaret.ID, 10)), 200)
	v.fillDate("arrive", arrive)
	v.Fill("nights", strconv.Itoa(nights))
	v.wantStatus(v.Submit("Find places"), 200)
	v.wantStatus(v.Submit("Choose this place: Meadow View Care Home, Room 2"), 200)
	v.sees("Check the details, then book", arrive.Long())
	u := v.URL()
	return u[strings.Index(u, "/book/check/"):]
}

// holdIn is the hold id in a check page's path.
func holdIn(t *testing.T, checkPath string) string {
	t.Helper()
	id, ok := strings.CutPrefix(checkPath, "/book/check/")
	if !ok || id == "" {
		t.Fatalf("%q is not a check page's path", checkPath)
	}
	return id
}

// holdRunsOut moves the hold of the check page back in time past its end,
// as if the carer had left the page for longer than a hold lasts.
func (s *site) holdRunsOut(t *testing.T, checkPath string) {
	t.Helper()
	now := time.Now().UTC()
	res, err := s.db.NewUpdate().Model((*booking.Hold)(nil)).
		Set("created_at = ?", now.Add(-11*time.Minute)).Set("expires_at = ?", now.Add(-time.Minute)).
		Where("id = ?", holdIn(t, checkPath)).Exec(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("no hold %s to run out", checkPath)
	}
}

// staffBook books person into Room 2 from arrive, as duty staff would.
func (s *site) staffBook(t *testing.T, person booking.Person, arrive calendar.Date, nights int) booking.Booking {
	t.Helper()
	h, err := s.booking.CreateHold(t.Context(), s.duty, booking.HoldRequest{
		PersonID: person.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: s.room2.ID}, Arrive: arrive, Depart: arrive.AddDays(nights),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.booking.Confirm(t.Context(), s.duty, h.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// carer reads a carer's record as staff see it.
func (s *site) carer(t *testing.T, id int64) booking.Carer {
	t.Helper()
	c, err := s.booking.Carer(t.Context(), s.duty, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// count counts the rows of table that match where.
func (s *site) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	n, err := s.db.NewSelect().Table(table).Where(where, args...).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// endSessions ends every session of a subject, as a session that times out
// does.
func (s *site) endSessions(t *testing.T, kind accounts.SubjectKind, id int64) {
	t.Helper()
	if _, err := s.db.NewDelete().Table("sessions").Where("subject_kind = ? AND subject_id = ?", kind, id).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// outbox is the bodies of the texts queued to phone from template, newest
// first. The fixture never runs the dispatcher, so they are as the phone's
// owner would read them.
func (s *site) outbox(t *testing.T, phone, template string) []string {
	t.Helper()
	sms := notify.NewService(s.db, notify.NewLogSender(slog.New(slog.NewTextHandler(io.Discard, nil))), notify.Options{})
	page, err := sms.Messages(t.Context(), notify.MessageFilter{To: phone, Template: template})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range page.Items {
		bodies = append(bodies, m.Body)
	}
	return bodies
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// codeTextedTo reads the code in the newest text from template to phone.
func (s *site) codeTextedTo(t *testing.T, phone, template string) string {
	t.Helper()
	texts := s.outbox(t, phone, template)
	if len(texts) == 0 {
		t.Fatalf("no %s text has been sent to %s", template, phone)
	}
	code := sixDigits.FindString(texts[0])
	if code == "" {
		t.Fatalf("no code in the text to %s: %q", phone, texts[0])
	}
	return code
}

// count is how many sign-in codes have been texted to phone.
func (p *phones) count(t testing.TB, phone string) int {
	t.Helper()
	e164, err := contact.ParsePhone(phone)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.codes[e164])
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
