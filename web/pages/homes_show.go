package pages

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

// A care home's page: its details, its contracts with how many beds each
// buys and how many of those are kept for emergencies, its beds, and the
// nights it or a bed is closed; with forms to add a contract and a bed, to
// take a bed out of use, and to close the home or a bed for some nights
// (homes_closures.go).

type careHomeView struct {
	layout
	fieldsView
	Home      providers.Provider
	Contracts []homeContract
	Beds      []homeBed
	Closures  []providers.Closure
	Contract  contractForm
	Bed       bedForm
	Closure   closureForm
}

// careHomeForms are the page's forms as typed, when one is shown again
// with its errors.
type careHomeForms struct {
	Contract contractForm
	Bed      bedForm
	Closure  closureForm
}

// homeContract is a contract with its bed counts.
type homeContract struct {
	providers.Contract
	Beds, Emergency, Inactive int
}

// homeBed is a bed with its contract's reference.
type homeBed struct {
	providers.Bed
	Contract string
}

// contractForm is the add-a-contract form as typed.
type contractForm struct {
	Kind, Reference, Rate string
	Starts, Ends          dateForm
	Kinds                 []homesChoice
}

// bedForm is the add-a-bed form as typed.
type bedForm struct {
	Label, ContractID string
	Emergency         bool
	BedTypes          []homesChoice
	Features          []homesChoice
	// Revision is the bed's revision when the change form was filled in
	// (revision.Of); empty when adding a bed.
	Revision string
}

// contractFields and bedFields map the service's field names to the inputs.
var (
	contractFields = map[string]string{"kind": "contract-kind", "reference": "contract-reference", "starts_on": "contract-starts-day",
		"ends_on": "contract-ends-day", "nightly_rate_pence": "contract-rate"}
	bedFields = map[string]string{"label": "bed-label", "contract_id": "bed-contract", "bed_type": "bed-type", "features": "bed-features"}
)

// showCareHome is the care home's page.
func (p *Pages) showCareHome(c *fiber.Ctx) error {
	return p.renderCareHome(c, fiber.StatusOK, careHomeForms{}, nil)
}

func (p *Pages) renderCareHome(c *fiber.Ctx, status int, forms careHomeForms, errs formErrors) error {
	cf, bf := forms.Contract, forms.Bed
	if cf.Kind == "" {
		cf.Kind = providers.KindBlock
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	home, err := p.deps.Providers.Provider(ctx(c), id)
	if err != nil {
		return err
	}
	contracts, err := p.deps.Providers.Contracts(ctx(c), id, paging.Request{Limit: paging.MaxLimit})
	if err != nil {
		return err
	}
	beds, err := p.deps.Providers.Beds(ctx(c), id, paging.Request{Limit: paging.MaxLimit})
	if err != nil {
		return err
	}
	closures, err := p.deps.Providers.Closures(ctx(c), id)
	if err != nil {
		return err
	}
	v := &careHomeView{Home: home, Closures: closures}
	refs := map[int64]string{}
	for _, k := range contracts.Items {
		row := homeContract{Contract: k}
		for _, b := range beds.Items {
			switch {
			case b.ContractID != k.ID:
			case !b.Active:
				row.Inactive++
			case b.EmergencyReserved:
				row.Beds++
				row.Emergency++
			default:
				row.Beds++
			}
		}
		v.Contracts = append(v.Contracts, row)
		refs[k.ID] = k.Reference
	}
	for _, b := range beds.Items {
		v.Beds = append(v.Beds, homeBed{Bed: b, Contract: refs[b.ContractID]})
	}
	cf.Kinds = homesChoices("contract-kind", providers.ContractKinds, []string{cf.Kind})
	v.Contract = cf
	if bf.ContractID == "" && len(contracts.Items) == 1 {
		bf.ContractID = itoa(contracts.Items[0].ID)
	}
	chosen := []string{}
	if len(bf.BedTypes) == 1 {
		chosen = []string{bf.BedTypes[0].Value}
	}
	bf.BedTypes = homesChoices("bed-type", home.BedTypes, chosen)
	var features []string
	for _, f := range bf.Features {
		features = append(features, f.Value)
	}
	bf.Features = homesChoices("bed-features", providers.Features, features)
	v.Bed = bf
	v.Closure = forms.Closure
	v.Closure.Beds = closureBedChoices(beds.Items, forms.Closure.Bed)
	v.Title = home.Name
	v.BackLink = "/homes"
	v.Flash = cmp.Or(homeNotice[query(c, "done")], closureNotice[query(c, "done")])
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return p.render(c, status, "homes-show", v)
}

// addContract records a contract with the home.
func (p *Pages) addContract(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cf := contractForm{Kind: form(c, "contract-kind"), Reference: form(c, "contract-reference"), Rate: form(c, "contract-rate"),
		Starts: readDate(c, "contract-starts"), Ends: readDate(c, "contract-ends")}
	in := providers.ContractInput{Kind: cf.Kind, Reference: cf.Reference}
	var errs formErrors
	var e formErrors
	in.StartsOn, e = cf.Starts.parse("starts_on", "contract-starts", "the date the contract starts")
	errs = append(errs, e...)
	in.EndsOn, e = cf.Ends.parse("ends_on", "contract-ends", "the date the contract ends")
	errs = append(errs, e...)
	if pence, ok := parsePounds(strings.TrimPrefix(cf.Rate, "£")); ok {
		in.NightlyRatePence = &pence
	} else {
		errs = append(errs, pageError("nightly_rate_pence", "contract-rate", "Enter the nightly rate in pounds, like 142 or 142.50.")...)
	}
	_, err = p.deps.Providers.CreateContract(ctx(c), signedInAs(c), id, in)
	if err == nil {
		return redirect(c, "/homes/"+itoa(id)+"?done=contract#contracts")
	}
	more, ok := errorsFrom(err, "contract-kind", contractFields)
	if !ok {
		return err
	}
	return p.renderCareHome(c, statusFor(err), careHomeForms{Contract: cf}, homesMerge(errs, more))
}

// addBed adds a bed to the home under one of its contracts.
func (p *Pages) addBed(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	contractID, _ := strconv.ParseInt(form(c, "bed-contract"), 10, 64)
	in := providers.BedInput{Label: form(c, "bed-label"), ContractID: contractID, BedType: form(c, "bed-type"),
		Features: homesFormAll(c, "bed-features"), EmergencyReserved: form(c, "bed-emergency") == "yes"}
	if _, err := p.deps.Providers.CreateBed(ctx(c), signedInAs(c), id, in); err != nil {
		errs, ok := errorsFrom(err, "bed-label", bedFields)
		if !ok {
			return err
		}
		bf := bedForm{Label: in.Label, ContractID: form(c, "bed-contract"), Emergency: in.EmergencyReserved}
		if in.BedType != "" {
			bf.BedTypes = []homesChoice{{Value: in.BedType}}
		}
		for _, f := range in.Features {
			bf.Features = append(bf.Features, homesChoice{Value: f})
		}
		return p.renderCareHome(c, statusFor(err), careHomeForms{Bed: bf}, errs)
	}
	return redirect(c, "/homes/"+itoa(id)+"?done=bed#beds")
}

// setBedActive takes a bed out of use, or puts it back.
func (p *Pages) setBedActive(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	bedID, err := pathID(c, "bed")
	if err != nil {
		return err
	}
	bed, err := p.deps.Providers.Bed(ctx(c), bedID)
	if err != nil {
		return err
	}
	if bed.ProviderID != id {
		return errNoSuchPage
	}
	active := form(c, "active") == "yes"
	if _, err := p.deps.Providers.UpdateBed(ctx(c), signedInAs(c), bedID, providers.BedPatch{Active: &active}); err != nil {
		return err
	}
	done := "bed-off"
	if active {
		done = "bed-on"
	}
	return redirect(c, "/homes/"+itoa(id)+"?done="+done+"#beds")
}

// homesMerge adds to the page's own errors the service's errors on other
// fields, so a date that is not a date is not also reported as missing.
func homesMerge(page, service formErrors) formErrors {
	out := append(formErrors{}, page...)
	for _, e := range service {
		if page.For(e.Field) == "" {
			out = append(out, e)
		}
	}
	return out
}
