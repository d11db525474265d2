package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/revision"
)

// Administrators change a bed: its label, type, features, and whether it
// is kept for emergencies.

// bedEditView is the bed form filled in, on a page of its own.
type bedEditView struct {
	layout
	fieldsView
	Home providers.Provider
	Bed  providers.Bed
	Form bedForm
}

// showEditBed is the bed form filled in with the bed's details.
func (p *Pages) showEditBed(c *fiber.Ctx) error {
	home, bed, err := p.homesBed(c)
	if err != nil {
		return err
	}
	f := bedForm{Label: bed.Label, Emergency: bed.EmergencyReserved, Revision: revision.Of(bed.UpdatedAt)}
	return p.renderEditBed(c, fiber.StatusOK, home, bed, f, bed.BedType, bed.Features, nil)
}

func (p *Pages) renderEditBed(c *fiber.Ctx, status int, home providers.Provider, bed providers.Bed, f bedForm, bedType string, features []string, errs formErrors) error {
	f.BedTypes = homesChoices("bed-type", home.BedTypes, []string{bedType})
	f.Features = homesChoices("bed-features", providers.Features, features)
	v := &bedEditView{Home: home, Bed: bed, Form: f}
	v.Title = "Change " + bed.Label + " at " + home.Name
	v.BackLink = "/homes/" + itoa(home.ID)
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return p.render(c, status, "homes-bed-edit", v)
}

// saveBed saves the changed bed.
func (p *Pages) saveBed(c *fiber.Ctx) error {
	home, bed, err := p.homesBed(c)
	if err != nil {
		return err
	}
	f := bedForm{Label: form(c, "bed-label"), Emergency: form(c, "bed-emergency") == "yes", Revision: form(c, "revision")}
	bedType, features := form(c, "bed-type"), homesFormAll(c, "bed-features")
	patch := providers.BedPatch{Label: &f.Label, BedType: &bedType, Features: &features, EmergencyReserved: &f.Emergency,
		IfRevision: f.Revision}
	if _, err := p.deps.Providers.UpdateBed(ctx(c), signedInAs(c), bed.ID, patch); err != nil {
		errs, ok := errorsFrom(err, "bed-label", bedFields)
		if !ok {
			return err
		}
		if changedMeanwhile(err) {
			f.Revision = revision.Of(bed.UpdatedAt) // saving again replaces their change
		}
		return p.renderEditBed(c, statusFor(err), home, bed, f, bedType, features, errs)
	}
	return redirect(c, "/homes/"+itoa(home.ID)+"?done=bed-save#beds")
}

// homesBed is the care home and the bed the path names; a bed that is not
// that home's is no page at all.
func (p *Pages) homesBed(c *fiber.Ctx) (providers.Provider, providers.Bed, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return providers.Provider{}, providers.Bed{}, err
	}
	bedID, err := pathID(c, "bed")
	if err != nil {
		return providers.Provider{}, providers.Bed{}, err
	}
	bed, err := p.deps.Providers.Bed(ctx(c), bedID)
	if err != nil {
		return providers.Provider{}, providers.Bed{}, err
	}
	if bed.ProviderID != id {
		return providers.Provider{}, providers.Bed{}, errNoSuchPage
	}
	home, err := p.deps.Providers.Provider(ctx(c), id)
	if err != nil {
		return providers.Provider{}, providers.Bed{}, err
	}
	return home, bed, nil
}
