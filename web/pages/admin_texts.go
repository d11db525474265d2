package pages

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
)

// The text outbox, for administrators: what was sent to whom, and above
// all what was not, with the reason.

// textsPerPage keeps a page of texts, bodies and all, well inside the
// pages' size budget.
const textsPerPage = 25

// notDelivered are the statuses of texts that did not reach the phone;
// they come first, with their reason.
var notDelivered = []string{notify.StatusFailed, notify.StatusUndelivered}

type textRow struct {
	notify.Message
	// Body is the text as sent, with a sign-in code not yet sent hidden.
	Body string
}

type textsView struct {
	layout
	Status   string
	Statuses []string
	// Tables are the texts that did not arrive (first, on the unfiltered
	// list's first page), then the texts asked for.
	Tables []textsTable
	Next   string
}

type textsTable struct {
	Caption string
	Rows    []textRow
}

// showTexts lists the outbox, newest first, narrowed by status; on the
// first page of the unfiltered list, the texts that did not arrive come
// first.
func (p *Pages) showTexts(c *fiber.Ctx) error {
	v := &textsView{Status: query(c, "status"), Statuses: notify.Statuses}
	v.Title = "Texts"
	after := pageAfter(c)
	after.Limit = textsPerPage
	page, err := p.deps.Notify.Messages(ctx(c), notify.MessageFilter{Status: v.Status, Page: after})
	if err != nil {
		errs, ok := errorsFrom(err, "status", map[string]string{"status": "status"})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.render(c, statusFor(err), "admin-texts", v)
	}
	if page.Next != 0 {
		v.Next = "/admin/texts?" + queryWith(c, "after", itoa(page.Next))
	}
	if v.Status == "" && after.After == 0 {
		var failed []notify.Message
		for _, status := range notDelivered {
			got, err := p.deps.Notify.Messages(ctx(c), notify.MessageFilter{Status: status, Page: paging.Request{Limit: 10}})
			if err != nil {
				return err
			}
			failed = append(failed, got.Items...)
		}
		slices.SortFunc(failed, func(a, b notify.Message) int { return cmp.Compare(b.ID, a.ID) })
		if len(failed) > 0 {
			v.Tables = append(v.Tables, textsTable{Caption: "Texts that did not arrive", Rows: textRows(failed)})
		}
	}
	if len(page.Items) > 0 {
		caption := "Texts, newest first"
		if v.Status != "" {
			caption = words(v.Status) + " texts, newest first"
		}
		v.Tables = append(v.Tables, textsTable{Caption: caption, Rows: textRows(page.Items)})
	}
	return p.render(c, fiber.StatusOK, "admin-texts", v)
}

func textRows(ms []notify.Message) []textRow {
	out := make([]textRow, len(ms))
	for i, m := range ms {
		body := m.Body
		if m.Data.Code != "" {
			// A code not yet sent is still live: nobody but its owner sees it.
			body = strings.ReplaceAll(body, m.Data.Code, "(code hidden)")
		}
		out[i] = textRow{Message: m, Body: body}
	}
	return out
}
