package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

// Administrators keep the list of care homes the council buys beds from.

// homesListRow is a care home with the beds it has in use.
type homesListRow struct {
	providers.Provider
	Beds providers.BedCount
}

type homesListView struct {
	layout
	Homes []homesListRow
	// Next is the link to the following page, "" on the last.
	Next string
}

// showHomes lists the care homes, a page at a time.
func (p *Pages) showHomes(c *fiber.Ctx) error {
	after, _ := strconv.ParseInt(query(c, "after"), 10, 64)
	page, err := p.deps.Providers.Providers(ctx(c), providers.ProviderFilter{Page: paging.Request{After: after}})
	if err != nil {
		return err
	}
	ids := make([]int64, len(page.Items))
	for i, h := range page.Items {
		ids[i] = h.ID
	}
	counts, err := p.deps.Providers.BedCounts(ctx(c), ids)
	if err != nil {
		return err
	}
	v := &homesListView{}
	for _, h := range page.Items {
		v.Homes = append(v.Homes, homesListRow{Provider: h, Beds: counts[h.ID]})
	}
	if page.Next != 0 {
		v.Next = "/homes?after=" + itoa(page.Next)
	}
	v.Title = "Care homes"
	return p.render(c, fiber.StatusOK, "homes-list", v)
}
