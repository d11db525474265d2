package pages

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

// A carer's data protection requests, from their page: everything held
// about them as a file (a subject access request), and erasure. Both are
// the privacy service's, which audits them and allows only administrators.

// downloadCarerExport sends everything held about the carer and the people
// they care for, as the JSON document the API's export gives.
func (p *Pages) downloadCarerExport(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if p.deps.Privacy == nil {
		return errNoSuchPage
	}
	e, err := p.deps.Privacy.ExportCarer(ctx(c), signedInAs(c), id)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="respite-carer-`+itoa(id)+`-export.json"`)
	return c.Send(body)
}

type carerEraseView struct {
	layout
	CarerID int64
	Name    string
	Reason  string
}

// showEraseCarer asks an administrator to confirm an erasure, and why.
func (p *Pages) showEraseCarer(c *fiber.Ctx) error {
	return p.renderEraseCarer(c, fiber.StatusOK, "", nil)
}

func (p *Pages) renderEraseCarer(c *fiber.Ctx, status int, reason string, errs formErrors) error {
	if p.deps.Privacy == nil {
		return errNoSuchPage
	}
	// The name only: this page shows no plan and no needs.
	cr, err := p.adminCarer(c, notShown(c))
	if err != nil {
		return err
	}
	v := &carerEraseView{CarerID: cr.ID, Name: cr.Name, Reason: reason}
	v.Title = "Erase " + cr.Name + "'s record"
	v.BackLink = "/carers/" + itoa(cr.ID)
	v.Errors = errs
	return p.render(c, status, "carers-erase", v)
}

// eraseCarer erases the carer and the people they care for, or says why
// not (a stay upcoming or under way; no reason given).
func (p *Pages) eraseCarer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if p.deps.Privacy == nil {
		return errNoSuchPage
	}
	reason := form(c, "reason")
	if _, err := p.deps.Privacy.EraseCarer(ctx(c), signedInAs(c), id, reason); err != nil {
		errs, ok := errorsFrom(err, "reason", map[string]string{"reason": "reason"})
		if !ok {
			return err
		}
		return p.renderEraseCarer(c, statusFor(err), reason, errs)
	}
	return redirect(c, "/carers?done=erased")
}
