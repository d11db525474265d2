package booking_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
)

func TestOwnDetailsPatch_onlyWhatCarersMayChange(t *testing.T) {
	var got []string
	typ := reflect.TypeFor[booking.OwnDetailsPatch]()
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	want := []string{"Email", "EmergencyContactName", "EmergencyContactPhone"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OwnDetailsPatch fields (-want +got):\n%s\nCarers change only these themselves; "+
			"their mobile goes through StartMobileChange, and the rest is for staff.", diff)
	}
}

func TestService_UpdateOwnDetails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		carer := f.mkCarer(t, 40)
		me := carerActor(carer)

		got, err := f.svc.UpdateOwnDetails(ctx, me, booking.OwnDetailsPatch{
			Email: new("  Pat.Carer@Example.ORG "), EmergencyContactName: new(" Alex Jones "), EmergencyContactPhone: new("0113 496 0999"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Email == nil || *got.Email != "pat.carer@example.org" || got.EmergencyContactName != "Alex Jones" ||
			got.EmergencyContactPhone == nil || *got.EmergencyContactPhone != "+441134960999" {
			t.Errorf("after the change: email %v, contact %q %v", got.Email, got.EmergencyContactName, got.EmergencyContactPhone)
		}
		stored, err := f.svc.Carer(ctx, me, carer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, stored, sameInstant); diff != "" {
			t.Errorf("stored differs from returned (-returned +stored):\n%s", diff)
		}
		if stored.Mobile != carer.Mobile || stored.Name != carer.Name || stored.AllowanceNights != carer.AllowanceNights {
			t.Errorf("changed what the patch cannot name: %+v", stored)
		}

		t.Run("nil leaves alone, empty clears", func(t *testing.T) {
			got, err := f.svc.UpdateOwnDetails(ctx, me, booking.OwnDetailsPatch{Email: new("")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != nil || got.EmergencyContactName != "Alex Jones" {
				t.Errorf("email %v, contact %q: want the email cleared and the contact kept", got.Email, got.EmergencyContactName)
			}
			got, err = f.svc.UpdateOwnDetails(ctx, me, booking.OwnDetailsPatch{EmergencyContactName: new(""), EmergencyContactPhone: new(" ")})
			if err != nil {
				t.Fatal(err)
			}
			if got.EmergencyContactName != "" || got.EmergencyContactPhone != nil {
				t.Errorf("contact %q %v, want both cleared", got.EmergencyContactName, got.EmergencyContactPhone)
			}
		})

		t.Run("the same rules and words as UpdateCarer", func(t *testing.T) {
			for _, patch := range []booking.OwnDetailsPatch{
				{Email: new("not-an-email")},
				{Email: new("pat@localhost")},
				{EmergencyContactPhone: new("0113 496 0999")}, // a number, and nobody's name
				{EmergencyContactName: new("Alex"), EmergencyContactPhone: new("")},
				{EmergencyContactName: new("Alex"), EmergencyContactPhone: new("not a phone")},
				{EmergencyContactName: new(strings.Repeat("x", 201)), EmergencyContactPhone: new("0113 496 0999")},
			} {
				_, own := f.svc.UpdateOwnDetails(ctx, me, patch)
				_, staff := f.svc.UpdateCarer(ctx, duty, carer.ID, booking.CarerPatch{
					Email: patch.Email, EmergencyContactName: patch.EmergencyContactName, EmergencyContactPhone: patch.EmergencyContactPhone,
				})
				ownErr, ok := apperr.As(own)
				staffErr, _ := apperr.As(staff)
				if !ok || ownErr.Kind != apperr.Invalid || staffErr == nil {
					t.Fatalf("%+v: UpdateOwnDetails = %v, UpdateCarer = %v; want both Invalid", patch, own, staff)
				}
				if diff := cmp.Diff(staffErr.Fields, ownErr.Fields); diff != "" {
					t.Errorf("%+v: fields differ (-UpdateCarer +UpdateOwnDetails):\n%s", patch, diff)
				}
			}
			stored, _ := f.svc.Carer(ctx, me, carer.ID)
			if stored.EmergencyContactName != "" || stored.Email != nil {
				t.Errorf("a refused change was stored: %+v", stored)
			}
		})

		t.Run("a fault elsewhere in the record is for staff to mend", func(t *testing.T) {
			old := f.mkCarer(t, 40) // an emergency contact with no phone number
			if _, err := db.NewUpdate().Model((*booking.Carer)(nil)).Set("postcode = ?", "somewhere").Where("id = ?", old.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.UpdateOwnDetails(ctx, carerActor(old), booking.OwnDetailsPatch{Email: new("old@example.org")})
			if diff := cmp.Diff([]string{"emergency_contact_phone"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got): %s\nthe contact's phone is on the carer's form; the postcode is not", diff)
			}
			got, err := f.svc.UpdateOwnDetails(ctx, carerActor(old), booking.OwnDetailsPatch{Email: new("old@example.org"), EmergencyContactPhone: new("0113 496 0999")})
			if err != nil || got.Postcode != "somewhere" || *got.Email != "old@example.org" {
				t.Errorf("UpdateOwnDetails = %+v, %v; want the change made and the postcode left", got, err)
			}
			_, err = f.svc.UpdateCarer(ctx, duty, old.ID, booking.CarerPatch{Email: new("old@example.org")})
			if diff := cmp.Diff([]string{"postcode"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("UpdateCarer bad fields (-want +got): %s", diff)
			}
		})

		t.Run("carers only", func(t *testing.T) {
			_, err := f.svc.UpdateOwnDetails(ctx, duty, booking.OwnDetailsPatch{Email: new("x@example.org")})
			wantForbidden(t, "the duty team", err)
			_, err = f.svc.UpdateOwnDetails(ctx, asHost, booking.OwnDetailsPatch{Email: new("x@example.org")})
			wantForbidden(t, "a host", err)
		})

		t.Run("a carer who is no more", func(t *testing.T) {
			gone := accounts.Principal{Kind: accounts.SubjectCarer, ID: carer.ID + 9999}
			if _, err := f.svc.UpdateOwnDetails(ctx, gone, booking.OwnDetailsPatch{Email: new("x@example.org")}); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("err = %v, want ErrCarerNotFound", err)
			}
		})
	})
}

// freshMobile is a drama-range mobile number no fixture carer has yet.
func freshMobile() string { return fmt.Sprintf("+447700900%03d", mobileSeq.Add(1)%1000) }

// texts returns the outbox's messages to phone with template, oldest first.
func (f *fixture) texts(t *testing.T, phone, template string) []notify.Message {
	t.Helper()
	page, err := f.notify.Messages(context.Background(), notify.MessageFilter{To: phone, Template: template, Page: paging.Request{Limit: paging.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	out := page.Items
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out
}

// codeSentTo returns the code in the newest text to phone.
func (f *fixture) codeSentTo(t *testing.T, phone string) string {
	t.Helper()
	ms := f.texts(t, phone, notify.TemplateMobileChangeCode)
	if len(ms) == 0 {
		t.Fatalf("no code was texted to %s", phone)
	}
	return ms[len(ms)-1].Data.Code
}

// mobileOf reads a carer's mobile number as stored.
func (f *fixture) mobileOf(t *testing.T, c booking.Carer) string {
	t.Helper()
	got, err := f.svc.Carer(context.Background(), duty, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Mobile
}

// wrongCode returns a six-digit code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestService_MobileChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()

		t.Run("the code goes to the new number; the number changes only when it comes back", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			me, next := carerActor(carer), freshMobile()
			if err := f.svc.StartMobileChange(ctx, me, contact.DisplayPhone(next)); err != nil {
				t.Fatalf("StartMobileChange: %v", err)
			}
			sent := f.texts(t, next, notify.TemplateMobileChangeCode)
			if len(sent) != 1 || !sent[0].Urgent {
				t.Fatalf("texts to the new number = %+v, want one urgent code", sent)
			}
			code := sent[0].Data.Code
			if want := "Your code to confirm this number for Respite is " + code + "."; !strings.HasPrefix(sent[0].Body, want) {
				t.Errorf("text = %q, want it to start %q", sent[0].Body, want)
			}
			if got := f.texts(t, carer.Mobile, ""); len(got) != 0 {
				t.Errorf("the old number was texted before the change: %+v", got)
			}
			if got := f.mobileOf(t, carer); got != carer.Mobile {
				t.Errorf("mobile = %s before the code came back, want still %s", got, carer.Mobile)
			}

			got, err := f.svc.ConfirmMobileChange(ctx, me, code[:3]+" "+code[3:])
			if err != nil {
				t.Fatalf("ConfirmMobileChange: %v", err)
			}
			if got.Mobile != next || f.mobileOf(t, carer) != next {
				t.Errorf("mobile = %s (stored %s), want %s", got.Mobile, f.mobileOf(t, carer), next)
			}
			notice := f.texts(t, carer.Mobile, notify.TemplateMobileChanged)
			if len(notice) != 1 || notice[0].Body != "Your mobile number for Respite was changed. If this was not you, call 0113 496 0000." {
				t.Errorf("texts to the old number = %+v, want the notice", notice)
			}
			if _, found, _ := f.svc.CarerByMobile(ctx, next); !found {
				t.Error("the new number does not sign the carer in")
			}
			if _, err := f.svc.ConfirmMobileChange(ctx, me, code); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("the code again: err = %v, want ErrNoCode", err)
			}

			t.Run("once sent, the code is no longer readable", func(t *testing.T) {
				if _, err := f.notify.Dispatch(ctx); err != nil {
					t.Fatal(err)
				}
				m, err := f.notify.Message(ctx, sent[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				if m.Status != notify.StatusSent || strings.Contains(m.Body, code) || m.Data.Code != "" || !strings.Contains(m.Body, "(code hidden)") {
					t.Errorf("sent code text = %q (%s, data %+v), want the code hidden", m.Body, m.Status, m.Data)
				}
			})
		})

		t.Run("wrong codes count: the sixth try fails even with the right code", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			me, next := carerActor(carer), freshMobile()
			if err := f.svc.StartMobileChange(ctx, me, next); err != nil {
				t.Fatal(err)
			}
			code := f.codeSentTo(t, next)
			for i := range 4 {
				_, err := f.svc.ConfirmMobileChange(ctx, me, wrongCode(code))
				if !errors.Is(err, accounts.ErrCodeWrong) {
					t.Fatalf("wrong try %d: err = %v, want ErrCodeWrong", i+1, err)
				}
				if names, _ := apperr.FieldNames(err); len(names) != 1 || names[0] != "code" {
					t.Errorf("wrong try %d names fields %v, want code", i+1, names)
				}
			}
			if _, err := f.svc.ConfirmMobileChange(ctx, me, wrongCode(code)); !errors.Is(err, accounts.ErrCodeTriesUsed) {
				t.Errorf("fifth wrong try: err = %v, want ErrCodeTriesUsed", err)
			}
			if _, err := f.svc.ConfirmMobileChange(ctx, me, code); !errors.Is(err, accounts.ErrCodeTriesUsed) {
				t.Errorf("the right code on the sixth try: err = %v, want ErrCodeTriesUsed", err)
			}
			if got := f.mobileOf(t, carer); got != carer.Mobile {
				t.Errorf("mobile = %s, want unchanged %s", got, carer.Mobile)
			}
			if got := f.texts(t, carer.Mobile, notify.TemplateMobileChanged); len(got) != 0 {
				t.Errorf("the old number was told of a change that did not happen: %+v", got)
			}
			// Asking again starts afresh.
			if err := f.svc.StartMobileChange(ctx, me, next); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.ConfirmMobileChange(ctx, me, f.codeSentTo(t, next)); err != nil {
				t.Errorf("a new code after the old one died: %v", err)
			}
		})

		t.Run("a code works for 10 minutes", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			me, next := carerActor(carer), freshMobile()
			start := f.clk.Now()
			defer f.clk.Set(start)
			if err := f.svc.StartMobileChange(ctx, me, next); err != nil {
				t.Fatal(err)
			}
			f.clk.Set(start.Add(10 * time.Minute))
			_, err := f.svc.ConfirmMobileChange(ctx, me, f.codeSentTo(t, next))
			if !errors.Is(err, accounts.ErrCodeExpired) {
				t.Errorf("err = %v, want ErrCodeExpired", err)
			}
			if got := f.mobileOf(t, carer); got != carer.Mobile {
				t.Errorf("mobile = %s, want unchanged %s", got, carer.Mobile)
			}
		})

		t.Run("another carer's number", func(t *testing.T) {
			carer, other := f.mkCarer(t, 40), f.mkCarer(t, 40)
			err := f.svc.StartMobileChange(ctx, carerActor(carer), contact.DisplayPhone(other.Mobile))
			if !errors.Is(err, booking.ErrMobileTaken) {
				t.Fatalf("err = %v, want ErrMobileTaken", err)
			}
			e, _ := apperr.As(err)
			if len(e.Fields) != 1 || e.Fields[0].Field != "mobile" {
				t.Errorf("fields = %+v, want mobile", e.Fields)
			}
			if got := f.texts(t, other.Mobile, notify.TemplateMobileChangeCode); len(got) != 0 {
				t.Errorf("texted a code to another carer's number: %+v", got)
			}
		})

		t.Run("taken between the code and its return", func(t *testing.T) {
			carer, other := f.mkCarer(t, 40), f.mkCarer(t, 40)
			next := freshMobile()
			if err := f.svc.StartMobileChange(ctx, carerActor(carer), next); err != nil {
				t.Fatal(err)
			}
			code := f.codeSentTo(t, next)
			if _, err := f.svc.UpdateCarer(ctx, duty, other.ID, booking.CarerPatch{Mobile: &next, EmergencyContactPhone: new("0113 496 0999")}); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.ConfirmMobileChange(ctx, carerActor(carer), code)
			if !errors.Is(err, booking.ErrMobileTaken) {
				t.Errorf("err = %v, want ErrMobileTaken", err)
			}
			if got := f.mobileOf(t, carer); got != carer.Mobile {
				t.Errorf("mobile = %s, want unchanged %s", got, carer.Mobile)
			}
		})

		t.Run("numbers that will not do", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			before := len(f.texts(t, "", notify.TemplateMobileChangeCode))
			for _, tt := range []struct {
				name, mobile string
				want         string
			}{
				{"their own", contact.DisplayPhone(carer.Mobile), booking.ErrSameMobile.Message},
				{"a landline", "0113 496 0000", contact.ErrMobileRequired.Error()},
				{"not a number", "my new phone", contact.ErrPhoneInvalid.Error()},
				{"nothing", "", contact.ErrPhoneInvalid.Error()},
			} {
				err := f.svc.StartMobileChange(ctx, carerActor(carer), tt.mobile)
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "mobile" || e.Fields[0].Message != tt.want {
					t.Errorf("%s: err = %v, want Invalid on mobile saying %q", tt.name, err, tt.want)
				}
			}
			if got := len(f.texts(t, "", notify.TemplateMobileChangeCode)); got != before {
				t.Errorf("%d codes texted for refused numbers, want none", got-before)
			}
			_, staff := f.svc.UpdateCarer(ctx, duty, carer.ID, booking.CarerPatch{Mobile: new("0113 496 0000")})
			if e, _ := apperr.As(staff); e == nil || e.Fields[0].Message != contact.ErrMobileRequired.Error() {
				t.Errorf("UpdateCarer says %v; the two should agree", staff)
			}
		})

		t.Run("a newer request replaces the older", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			me, first, second := carerActor(carer), freshMobile(), freshMobile()
			if err := f.svc.StartMobileChange(ctx, me, first); err != nil {
				t.Fatal(err)
			}
			older := f.codeSentTo(t, first)
			if err := f.svc.StartMobileChange(ctx, me, second); err != nil {
				t.Fatal(err)
			}
			newer := f.codeSentTo(t, second)
			if older == newer {
				t.Skip("the two codes happen to be the same (one chance in a million)")
			}
			if _, err := f.svc.ConfirmMobileChange(ctx, me, older); !errors.Is(err, accounts.ErrCodeWrong) {
				t.Errorf("the older code: err = %v, want ErrCodeWrong", err)
			}
			if got, err := f.svc.ConfirmMobileChange(ctx, me, newer); err != nil || got.Mobile != second {
				t.Errorf("the newer code: mobile %s, %v; want %s", got.Mobile, err, second)
			}
		})

		t.Run("nothing waiting", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			if _, err := f.svc.ConfirmMobileChange(ctx, carerActor(carer), "123456"); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("err = %v, want ErrNoCode", err)
			}
			_, err := f.svc.ConfirmMobileChange(ctx, carerActor(carer), "12 34")
			if e, ok := apperr.As(err); !ok || len(e.Fields) != 1 || e.Fields[0].Message != "Enter the 6-digit code from the text." {
				t.Errorf("a short code: err = %v, want the sign-in codes' message", err)
			}
		})

		t.Run("another carer cannot use the code", func(t *testing.T) {
			carer, other := f.mkCarer(t, 40), f.mkCarer(t, 40)
			next := freshMobile()
			if err := f.svc.StartMobileChange(ctx, carerActor(carer), next); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.ConfirmMobileChange(ctx, carerActor(other), f.codeSentTo(t, next)); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("err = %v, want ErrNoCode", err)
			}
			if f.mobileOf(t, other) != other.Mobile || f.mobileOf(t, carer) != carer.Mobile {
				t.Error("a number changed")
			}
		})

		t.Run("carers only", func(t *testing.T) {
			wantForbidden(t, "staff starting", f.svc.StartMobileChange(ctx, duty, freshMobile()))
			_, err := f.svc.ConfirmMobileChange(ctx, asHost, "123456")
			wantForbidden(t, "a host confirming", err)
		})

		t.Run("racing confirmations: one change, one notice", func(t *testing.T) {
			carer := f.mkCarer(t, 40)
			me, next := carerActor(carer), freshMobile()
			if err := f.svc.StartMobileChange(ctx, me, next); err != nil {
				t.Fatal(err)
			}
			code := f.codeSentTo(t, next)
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				won  int
				errs []error
			)
			start := make(chan struct{})
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := f.svc.ConfirmMobileChange(ctx, me, code)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, accounts.ErrNoCode), errors.Is(err, accounts.ErrCodeTriesUsed):
					default:
						errs = append(errs, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if won != 1 || len(errs) > 0 {
				t.Errorf("%d changed the number, other errors %v; want exactly 1", won, errs)
			}
			if got := f.texts(t, carer.Mobile, notify.TemplateMobileChanged); len(got) != 1 {
				t.Errorf("notices to the old number = %d, want 1", len(got))
			}
		})
	})
}

func TestService_MobileChange_unwired(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), nil)
	svc := f.with()
	bare := booking.NewService(f.db, f.providers, f.notify, f.holds, booking.Options{Clock: f.clk.Now})
	carer := f.mkCarer(t, 40)
	if err := bare.StartMobileChange(context.Background(), carerActor(carer), freshMobile()); err == nil || apperr.KindOf(err) != apperr.Internal {
		t.Errorf("without Options.Codes: err = %v, want a fault", err)
	}
	if err := svc.StartMobileChange(context.Background(), carerActor(carer), freshMobile()); err != nil {
		t.Errorf("with Options.Codes: %v", err)
	}
}
