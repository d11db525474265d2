package pages

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

// Booking a break, in at most five screens: who, when, results, check your
// answers, confirmation. The first three are GET forms, so the back button
// and a shared link work, and searching changes nothing; holding and
// confirming are POSTs.

type whoView struct {
	layout
	People []booking.Person
	Chosen int64
	// CarerID is set when staff book on a carer's behalf: the form
	// carries it back.
	CarerID int64
}

// whoAsked is the hidden field the "who" form sends, so that the page can
// tell the form sent with no one chosen (an error) from a first visit:
// browsers send nothing for radios left unchosen.
const whoAsked = "asked"

// showWho asks who the break is for, and skips the question when the carer
// looks after one person. The form comes back here, so that sending it with
// no one chosen shows the question again with the error; with someone
// chosen it goes on to "when", which checks they are the carer's.
func (p *Pages) showWho(c *fiber.Ctx) error {
	who := signedInAs(c)
	carerID := who.ID
	if who.IsStaff() {
		// The booking line books for the carer it has found.
		id, err := strconv.ParseInt(query(c, "carer"), 10, 64)
		if err != nil || id <= 0 {
			return redirect(c, "/bookings")
		}
		carerID = id
	}
	people, err := p.deps.Booking.People(notShown(c), who, carerID) // names only: not audited
	if err != nil {
		return err
	}
	if len(people) == 1 {
		return redirect(c, "/book/when?person="+strconv.FormatInt(people[0].ID, 10))
	}
	if person := query(c, "person"); person != "" {
		return redirect(c, "/book/when?"+url.Values{"person": {person}}.Encode())
	}
	v := &whoView{People: people}
	v.Title = "Who is the break for?"
	v.BackLink = "/home"
	if who.IsStaff() {
		v.CarerID = carerID
		v.BackLink = "/bookings/carers/" + itoa(carerID)
	}
	status := fiber.StatusOK
	if query(c, whoAsked) != "" {
		status = fiber.StatusUnprocessableEntity
		v.Errors = pageError("person", "person", "Select who the break is for.")
	}
	return p.render(c, status, "book-who", v)
}
