package providers

import (
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Closure closes a bed, or a whole care home, to admissions for the nights
// from StartsOn to EndsOn, both included: an outbreak, refurbishment. A
// closed night is offered to nobody, planned or emergency, as if it were
// booked. The beds stay active and their contracts unchanged: the council
// still pays for a block bed that is closed.
type Closure struct {
	bun.BaseModel `bun:"table:closures,alias:closure"`

	ID         int64 `bun:"id,pk,autoincrement"`
	ProviderID int64 `bun:"provider_id"`
	// BedID is the bed closed; nil closes the whole home, including beds
	// added to it while the closure lasts.
	BedID     *int64        `bun:"bed_id"`
	StartsOn  calendar.Date `bun:"starts_on"`
	EndsOn    calendar.Date `bun:"ends_on"` // the last night closed
	Reason    string        `bun:"reason"`
	CreatedBy int64         `bun:"created_by"` // the member of staff who closed it
	CreatedAt time.Time     `bun:"created_at"`

	// BedLabel is the closed bed's label ("Room 4"), or "" for the whole
	// home; read with the closure, never stored.
	BedLabel string `bun:"bed_label,scanonly"`
	// StaysInTheWay are the stays booked on nights the closure closes:
	// what staff must move. Closures and CreateClosure fill it in.
	StaysInTheWay []StayInTheWay `bun:"-"`
}

// StayInTheWay is a stay booked on a bed's nights that a change to the bed
// (a closure) would take away, for staff to move or cancel.
type StayInTheWay struct {
	BookingID int64         `bun:"booking_id"`
	Reference string        `bun:"reference"`
	BedID     int64         `bun:"bed_id"`
	BedLabel  string        `bun:"bed_label"`
	Arrive    calendar.Date `bun:"arrive"`
	Depart    calendar.Date `bun:"depart"`
}

// ClosureInput is what staff enter to close a bed or a whole home.
type ClosureInput struct {
	BedID    *int64 // nil: the whole home
	StartsOn calendar.Date
	EndsOn   calendar.Date // the last night closed
	Reason   string
	// CreatedBy is the id of the member of staff closing it.
	CreatedBy int64
	// ConfirmStaysInTheWay closes the nights even though stays are booked
	// on some of them: staff were told of the stays (ErrClosureHasStays)
	// and will move them. The stays keep their nights until they do.
	ConfirmStaysInTheWay bool
}

// Errors about closures.
var (
	ErrClosureNotFound = apperr.New(apperr.NotFound, "There is no closure with that id.")
	// ErrClosureHasStays refuses a closure over nights already booked; the
	// message names the stays in the way. Confirming the closure
	// (ClosureInput.ConfirmStaysInTheWay) makes it anyway.
	ErrClosureHasStays = apperr.New(apperr.Conflict, "Stays are booked on nights this closure would close.")
	// ErrClosureOver refuses to lift a closure whose nights are all past.
	ErrClosureOver = apperr.New(apperr.Conflict, "That closure is over, so there is nothing to lift.")
)

// Limits on a closure.
const (
	// maxClosureDays is how far ahead a closure may run: further is almost
	// certainly a typing mistake in the year, and a bed out of use for
	// good is made inactive instead.
	maxClosureDays = 2 * 365
	maxReasonRunes = 500
)

// newClosure builds a closure of a home from what staff entered, naming
// every rule it breaks. Whether the bed is the home's is for the service
// to check, against the database.
func newClosure(providerID int64, in ClosureInput, today calendar.Date) (Closure, error) {
	c := Closure{
		ProviderID: providerID, BedID: in.BedID, StartsOn: in.StartsOn, EndsOn: in.EndsOn,
		Reason: strings.TrimSpace(in.Reason), CreatedBy: in.CreatedBy,
	}
	var f apperr.Fields
	if c.BedID != nil && *c.BedID <= 0 {
		f.Add("bed_id", "Choose one of the home's beds, or leave the bed out to close the whole home.")
	}
	switch {
	case c.StartsOn.IsZero():
		f.Add("starts_on", "Enter the first night the home or bed is closed.")
	case c.StartsOn.Before(today):
		// Past nights are history: closing them would change nothing, and
		// would make the record say something that was not so.
		f.Add("starts_on", "A closure starts today (%s) or later.", today.Long())
	}
	switch last := today.AddDays(maxClosureDays); {
	case c.EndsOn.IsZero():
		f.Add("ends_on", "Enter the last night the home or bed is closed.")
	case !c.StartsOn.IsZero() && c.EndsOn.Before(c.StartsOn):
		f.Add("ends_on", "The last night closed must be on or after the first (%s).", c.StartsOn.Long())
	case c.EndsOn.Before(today):
		f.Add("ends_on", "The last night closed must be today (%s) or later.", today.Long())
	case c.EndsOn.After(last):
		f.Add("ends_on", "A closure can run to %s at the furthest; for a bed out of use for good, make it inactive.", last.Long())
	}
	requiredText(&f, "reason", c.Reason, "Say why it is closed, such as an outbreak or refurbishment.", maxReasonRunes)
	return c, f.Err()
}

// Covers reports whether the closure closes the night of d.
func (c Closure) Covers(d calendar.Date) bool {
	return !d.Before(c.StartsOn) && !d.After(c.EndsOn)
}

// auditWords says what a new closure closes, for the audit log: the bed
// (or the whole home), the nights, why, and any stays it was confirmed
// over. None of it is about a person.
func (c Closure) auditWords() string {
	what := "the whole home"
	if c.BedID != nil {
		what = c.BedLabel
	}
	words := fmt.Sprintf("%s, %s to %s: %s", what, c.StartsOn.Long(), c.EndsOn.Long(), c.Reason)
	switch n := len(c.StaysInTheWay); n {
	case 0:
	case 1:
		words += " (confirmed over a stay booked on those nights)"
	default:
		words += fmt.Sprintf(" (confirmed over %d stays booked on those nights)", n)
	}
	return words
}

// WholeHome reports whether the closure closes the whole home rather than
// one bed.
func (c Closure) WholeHome() bool { return c.BedID == nil }

// staysNamed says which stays are in the way of a closure, naming up to
// maxStaysNamed of them.
func staysNamed(stays []StayInTheWay) string {
	var b strings.Builder
	if len(stays) == 1 {
		b.WriteString("A stay is booked on nights this closure would close: ")
	} else {
		fmt.Fprintf(&b, "%d stays are booked on nights this closure would close: ", len(stays))
	}
	for i, st := range stays {
		if i == maxStaysNamed {
			fmt.Fprintf(&b, ", and %d more", len(stays)-maxStaysNamed)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s, %s to %s)", st.Reference, st.BedLabel, st.Arrive.Long(), st.Depart.Long())
	}
	b.WriteString(". Move or cancel them first, or confirm the closure and move them afterwards.")
	return b.String()
}
