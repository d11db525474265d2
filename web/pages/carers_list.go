package pages

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/paging"
)

// Administrators keep the register of carers: a list searched by name.

type carersListView struct {
	layout
	Query  string
	Carers []booking.Carer
	// Next is the link to the following page, "" on the last.
	Next string
}

// showCarers lists carers whose name holds the query, a page at a time.
// It shows no emergency plans, so reads none, and is not audited.
func (p *Pages) showCarers(c *fiber.Ctx) error {
	q := query(c, "q")
	after, _ := strconv.ParseInt(query(c, "after"), 10, 64)
	page, err := p.deps.Booking.Carers(notShown(c), signedInAs(c), booking.CarerFilter{Query: q, Page: paging.Request{After: after}})
	if err != nil {
		return err
	}
	v := &carersListView{Query: q, Carers: page.Items}
	if page.Next != 0 {
		v.Next = "/carers?" + url.Values{"q": {q}, "after": {itoa(page.Next)}}.Encode()
	}
	v.Title = "Carers"
	v.Flash = homeNotice[query(c, "done")]
	return p.render(c, fiber.StatusOK, "carers-list", v)
}
