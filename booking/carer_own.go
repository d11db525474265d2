package booking

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/notify"
)

// What carers may change of their own record once signed in. Their email
// and emergency contact they simply change, checked exactly as staff's
// changes are (changeCarer). A new mobile number must first be proved with
// a code texted to it, since their texts, and their sign-in, go there; the
// old number is then told, in case it was not them.

// OwnDetailsPatch is what carers may change of their own record: nil fields
// stay as they are, and an empty string clears the email or the emergency
// contact. Their mobile number changes through StartMobileChange and
// ConfirmMobileChange; everything else on the record is for staff.
type OwnDetailsPatch struct {
	Email                 *string
	EmergencyContactName  *string
	EmergencyContactPhone *string // any phone number; E.164 once stored
}

// ownDetailsFields are the fields of OwnDetailsPatch, as errors name them.
var ownDetailsFields = []string{"email", "emergency_contact_name", "emergency_contact_phone"}

// Errors about carers changing their own records.
var (
	// ErrSameMobile refuses a "new" mobile number that is the carer's
	// number already.
	ErrSameMobile = fieldError(apperr.Invalid, "mobile", "That is already your mobile number. Enter the new number you want texts to go to.")

	errCarersOnly = ErrNotAllowed.Reason("Only carers can change their own details here. Staff change a carer's record from the carer's page.")
	// errMobileTakenHere is ErrMobileTaken naming the field, for the form
	// a carer typed the number into.
	errMobileTakenHere = func() *apperr.Error {
		e := ErrMobileTaken.Reason("Another carer is already registered with that mobile number. Check the number you entered.")
		e.Fields = []apperr.FieldError{{Field: "mobile", Message: e.Message}}
		return e
	}()
	errNoCodes = errors.New("booking: Options.Codes is not set, so carers cannot change their mobile numbers")
)

// fieldError is a sentinel whose message is also field's.
func fieldError(kind apperr.Kind, field, message string) *apperr.Error {
	e := apperr.New(kind, message)
	e.Fields = []apperr.FieldError{{Field: field, Message: message}}
	return e
}

// UpdateOwnDetails changes a signed-in carer's own email and emergency
// contact, checked as UpdateCarer checks them (the same rules, messages and
// field names: email, emergency_contact_name, emergency_contact_phone). It
// returns ErrNotAllowed for anyone but a carer (staff use UpdateCarer),
// ErrCarerNotFound, or an Invalid error naming every bad field; nothing is
// changed when anything is wrong. The change is audited as UpdateCarer's
// is.
func (s *Service) UpdateOwnDetails(ctx context.Context, actor accounts.Principal, patch OwnDetailsPatch) (Carer, error) {
	if actor.Kind != accounts.SubjectCarer {
		return Carer{}, errCarersOnly
	}
	var c Carer
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		c, err = s.changeCarer(ctx, tx, actor, actor.ID, CarerPatch{
			Email: patch.Email, EmergencyContactName: patch.EmergencyContactName, EmergencyContactPhone: patch.EmergencyContactPhone,
		}, ownDetailsFields, "changed by the carer")
		return err
	})
	if err != nil {
		return Carer{}, err
	}
	return c, nil
}

// StartMobileChange begins changing a signed-in carer's mobile number: it
// texts a code to the new number, and ConfirmMobileChange changes the
// number when the code comes back. Until then nothing changes, and texts go
// to the old number; starting again sends a new code, and only the newest
// works. It returns ErrNotAllowed for anyone but a carer, ErrCarerNotFound,
// an Invalid error (field "mobile") for a number that is not a mobile
// number (the same messages as UpdateCarer) or ErrSameMobile for the
// carer's own, and ErrMobileTaken (field "mobile") for another carer's.
func (s *Service) StartMobileChange(ctx context.Context, actor accounts.Principal, newMobile string) error {
	if actor.Kind != accounts.SubjectCarer {
		return errCarersOnly
	}
	if s.opts.Codes == nil {
		return errNoCodes
	}
	c, err := carerByID(ctx, s.db, actor.ID)
	if err != nil {
		return err
	}
	next := c
	if err := onlyFields(next.apply(CarerPatch{Mobile: &newMobile}), []string{"mobile"}); err != nil {
		return err
	}
	if next.Mobile == c.Mobile {
		return ErrSameMobile
	}
	if other, found, err := carerByMobile(ctx, s.db, next.Mobile); err != nil {
		return err
	} else if found && other.ID != c.ID {
		return errMobileTakenHere
	}
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		code, err := s.opts.Codes.IssueCode(ctx, tx, accounts.PurposeMobileChange, carerSubject(c.ID), next.Mobile)
		if err != nil {
			return err
		}
		return s.notify.Enqueue(ctx, tx, notify.Outgoing{
			DedupeKey: "mobile-change:" + strconv.FormatInt(code.ID, 10) + ":code", To: code.Phone,
			Template: notify.TemplateMobileChangeCode, Data: notify.Data{Code: code.Code},
		})
	})
}

// ConfirmMobileChange finishes changing a signed-in carer's mobile number:
// if code is the one StartMobileChange last texted, the number it went to
// becomes the carer's, and the old number is told, in one transaction. A
// code works once, for 10 minutes (accounts.CodeTTL) and 5 tries
// (accounts.MaxCodeAttempts), counted even when they fail. It returns the
// changed record, or ErrNotAllowed for anyone but a carer, ErrCarerNotFound,
// an Invalid error naming the field "code" — accounts.ErrCodeWrong,
// accounts.ErrCodeTriesUsed, accounts.ErrCodeExpired, accounts.ErrNoCode (no
// change waiting), or the sign-in codes' messages for input that is not a
// six-digit code — or ErrMobileTaken (field "mobile") if another carer
// registered the number meanwhile. The change is audited
// (audit.CarerChanged, field "mobile").
func (s *Service) ConfirmMobileChange(ctx context.Context, actor accounts.Principal, code string) (Carer, error) {
	if actor.Kind != accounts.SubjectCarer {
		return Carer{}, errCarersOnly
	}
	if s.opts.Codes == nil {
		return Carer{}, errNoCodes
	}
	checked, err := s.opts.Codes.CheckCode(ctx, accounts.PurposeMobileChange, carerSubject(actor.ID), code)
	if err != nil {
		return Carer{}, err
	}
	var c Carer
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		// Use the code first: of two requests racing with it, one gets
		// here and the other waits, then finds it used.
		if err := s.opts.Codes.UseCode(ctx, tx, checked); err != nil {
			return err
		}
		old, err := carerByID(ctx, tx, actor.ID)
		if err != nil {
			return err
		}
		c, err = s.changeCarer(ctx, tx, actor, actor.ID, CarerPatch{Mobile: &checked.Phone}, []string{"mobile"}, "changed by the carer, with a code texted to the new number")
		if errors.Is(err, ErrMobileTaken) {
			return errMobileTakenHere
		}
		if err != nil || old.Mobile == c.Mobile {
			return err
		}
		return s.notify.Enqueue(ctx, tx, notify.Outgoing{
			DedupeKey: "mobile-change:" + strconv.FormatInt(checked.ID, 10) + ":changed", To: old.Mobile,
			Template: notify.TemplateMobileChanged,
		})
	})
	if err != nil {
		return Carer{}, err
	}
	return c, nil
}

// carerSubject is whom a carer's codes are made for.
func carerSubject(id int64) accounts.Principal {
	return accounts.Principal{Kind: accounts.SubjectCarer, ID: id}
}
