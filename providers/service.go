package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/revision"
)

// Options tune the providers service; zero values give the defaults.
type Options struct {
	Clock calendar.Clock // default: the system clock
	// Locator finds where postcodes are, to fill in and check homes'
	// positions on the map. Without one, positions must be given, and are
	// checked only to lie in the UK.
	Locator contact.Locator
}

// Service manages care homes, their contracts and beds. Every change is
// made by someone (an accounts.Principal: staff, or the command line), and
// recorded in the audit log in the change's own transaction: what was
// created, or the names of the fields a change touched. Who may make a
// change is for the caller to decide.
type Service struct {
	db   *bun.DB
	now  calendar.Clock
	opts Options
}

// NewService returns the providers service on the clock now (nil: the
// system clock), with no postcode lookup.
func NewService(db *bun.DB, now calendar.Clock) *Service {
	return NewServiceWith(db, Options{Clock: now})
}

// NewServiceWith returns the providers service tuned by opts.
func NewServiceWith(db *bun.DB, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = calendar.SystemClock
	}
	return &Service{db: db, now: opts.Clock, opts: opts}
}

// The audit log's names for what this package keeps.
const (
	auditProvider = "provider"
	auditContract = "contract"
	auditBed      = "bed"
	auditClosure  = "closure"
)

// ProviderFilter narrows a list of care homes.
type ProviderFilter struct {
	Query  string // part of the name, any case
	Active *bool
	Page   paging.Request
}

// CreateProvider adds a care home. A position left out is filled in from the
// postcode when there is a lookup. It returns an Invalid error naming every
// bad field, contact.ErrLookupDown when the position was left out and the
// lookup cannot answer, or ErrPossibleDuplicate for a home with the name
// (in any case) and postcode of one already listed: ask whether it is the
// same home, and if it is not, add it with CreateProviderConfirmed.
func (s *Service) CreateProvider(ctx context.Context, actor accounts.Principal, in ProviderInput) (Provider, error) {
	return s.createProvider(ctx, actor, in, false)
}

// CreateProviderConfirmed is CreateProvider for a home that staff, asked
// by ErrPossibleDuplicate, have said is not the one already listed with its
// name and postcode.
func (s *Service) CreateProviderConfirmed(ctx context.Context, actor accounts.Principal, in ProviderInput) (Provider, error) {
	return s.createProvider(ctx, actor, in, true)
}

func (s *Service) createProvider(ctx context.Context, actor accounts.Principal, in ProviderInput, confirmedNew bool) (Provider, error) {
	found, err := contact.Locate(ctx, s.opts.Locator, in.Postcode, in.Latitude != nil || in.Longitude != nil)
	if err != nil {
		return Provider{}, err
	}
	p, err := newProvider(in, found)
	if err != nil {
		return Provider{}, err
	}
	p.CreatedAt = s.now().UTC()
	p.UpdatedAt = p.CreatedAt
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if !confirmedNew {
			if err := checkNotListed(ctx, tx, p); err != nil {
				return err
			}
		}
		if err := insertProvider(ctx, tx, &p); err != nil {
			return err
		}
		reason := ""
		if confirmedNew {
			reason = "confirmed as a different home from one of the same name at the postcode"
		}
		return audit.Record(ctx, tx, p.CreatedAt, actor, audit.HomeCreated, auditProvider, p.ID, reason)
	})
	if err != nil {
		return Provider{}, err
	}
	return p, nil
}

// Provider returns one care home, or ErrProviderNotFound.
func (s *Service) Provider(ctx context.Context, id int64) (Provider, error) {
	return providerByID(ctx, s.db, id)
}

// Providers lists care homes in id order, a page at a time.
func (s *Service) Providers(ctx context.Context, f ProviderFilter) (paging.Page[Provider], error) {
	f.Page = f.Page.Clamp()
	f.Query = strings.TrimSpace(f.Query)
	items, err := listProviders(ctx, s.db, f)
	if err != nil {
		return paging.Page[Provider]{}, err
	}
	return paging.Cut(items, f.Page.Limit, func(p Provider) int64 { return p.ID }), nil
}

// UpdateProvider changes a care home. A new postcode given without a new
// position moves the home to the postcode's position when there is a
// lookup, and needs a position otherwise. It returns ErrProviderNotFound, an
// Invalid error naming every bad field (including a bed type that beds
// still use), or contact.ErrLookupDown; nothing is changed when anything is
// wrong. A patch that changes nothing writes nothing, to the home or the
// audit log.
func (s *Service) UpdateProvider(ctx context.Context, actor accounts.Principal, id int64, patch ProviderPatch) (Provider, error) {
	// Looked up before the transaction, which must not wait on the network.
	found, err := contact.LocateChange(ctx, s.opts.Locator, patch.Postcode, patch.Latitude, patch.Longitude, func() (string, error) {
		p, err := providerByID(ctx, s.db, id)
		return p.Postcode, err
	})
	if err != nil {
		return Provider{}, err
	}
	var p Provider
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = providerForChange(ctx, tx, id); err != nil {
			return err
		}
		if err := revision.Check(patch.IfRevision, p.UpdatedAt); err != nil {
			return err
		}
		was := p
		if err := p.apply(patch, found); err != nil {
			return err
		}
		if patch.BedTypes != nil {
			if err := checkBedTypesInUse(ctx, tx, p); err != nil {
				return err
			}
		}
		fields := p.changedFrom(was)
		if len(fields) == 0 {
			return nil
		}
		p.UpdatedAt = revision.Now(s.now())
		if err := updateProvider(ctx, tx, &p); err != nil {
			return err
		}
		return audit.RecordChange(ctx, tx, p.UpdatedAt, actor, audit.HomeChanged, auditProvider, p.ID, fields, "")
	})
	if err != nil {
		return Provider{}, err
	}
	return p, nil
}

// checkNotListed returns ErrPossibleDuplicate when a home of p's name (in
// any case) is already listed at p's postcode.
func checkNotListed(ctx context.Context, db bun.IDB, p Provider) error {
	homes, err := providersAtPostcode(ctx, db, p.Postcode)
	if err != nil {
		return err
	}
	for _, h := range homes {
		if strings.EqualFold(h.Name, p.Name) {
			return ErrPossibleDuplicate.Reason("There is already a care home called %s at this postcode. Is this the same home?", h.Name)
		}
	}
	return nil
}

// checkBedTypesInUse refuses to drop a bed type from a home while one of its
// active beds is of that type: the bed would then be offered as something the
// home no longer provides.
func checkBedTypesInUse(ctx context.Context, db bun.IDB, p Provider) error {
	beds, err := bedsOfProvider(ctx, db, p.ID)
	if err != nil {
		return err
	}
	for _, b := range beds {
		if b.Active && !p.Offers(b.BedType) {
			return apperr.Invalidf("bed_types", "%s is a %s bed; change its type or make it inactive before removing %s.", b.Label, b.BedType, b.BedType)
		}
	}
	return nil
}

// CreateContract records a contract with a care home. It returns
// ErrProviderNotFound, ErrReferenceTaken, or an Invalid error.
func (s *Service) CreateContract(ctx context.Context, actor accounts.Principal, providerID int64, in ContractInput) (Contract, error) {
	c, err := newContract(providerID, in)
	if err != nil {
		return Contract{}, err
	}
	c.CreatedAt = s.now().UTC()
	c.UpdatedAt = c.CreatedAt
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := providerByID(ctx, tx, providerID); err != nil {
			return err
		}
		if err := insertContract(ctx, tx, &c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.CreatedAt, actor, audit.ContractCreated, auditContract, c.ID, "")
	})
	if err != nil {
		return Contract{}, err
	}
	return c, nil
}

// BedCount is how many beds a care home has in use: active beds under an
// active contract, and how many of those are kept for emergencies.
type BedCount struct {
	InUse     int `bun:"in_use"`
	Emergency int `bun:"emergency"`
}

// BedCounts returns the beds in use at each of the homes, by home id, in
// one query (a home with none is left out), for lists of homes.
func (s *Service) BedCounts(ctx context.Context, homeIDs []int64) (map[int64]BedCount, error) {
	out := map[int64]BedCount{}
	if len(homeIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ProviderID int64 `bun:"provider_id"`
		BedCount
	}
	err := s.db.NewSelect().
		ColumnExpr("b.provider_id, COUNT(*) AS in_use").
		ColumnExpr("SUM(CASE WHEN b.emergency_reserved THEN 1 ELSE 0 END) AS emergency").
		TableExpr("beds AS b").
		Join("JOIN contracts AS c ON c.id = b.contract_id").
		Where("b.provider_id IN (?)", bun.In(homeIDs)).
		Where("b.active = ?", true).Where("c.active = ?", true).
		GroupExpr("b.provider_id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, apperr.Wrapf(err, "counting beds")
	}
	for _, r := range rows {
		out[r.ProviderID] = r.BedCount
	}
	return out, nil
}

// UpdateContract changes a contract's reference, dates, rate or whether it
// is active. A change that would leave a booked night outside the contract
// (its dates shrunk past a stay, or the contract made inactive with stays
// to come) is refused with ErrContractHasStays naming the stays: move or
// cancel them first. Nights already past stay under the contract they were
// booked under, so making a contract inactive only minds stays from today.
// A new rate applies to stays booked from now on; stays already booked keep
// the rate they were booked at. It returns ErrContractNotFound,
// ErrReferenceTaken, or an Invalid error; nothing changes when anything is
// wrong. A patch that changes nothing writes nothing, to the contract or
// the audit log.
//
// Bookings take the contract's row lock shared (booking.lockBedContract)
// before checking a bed, so a booking and a change racing for the same
// night go one after the other: whichever comes second sees the first.
func (s *Service) UpdateContract(ctx context.Context, actor accounts.Principal, id int64, patch ContractPatch) (Contract, error) {
	var c Contract
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if c, err = contractForUpdate(ctx, tx, id); err != nil {
			return err
		}
		was := c
		if err := c.apply(patch); err != nil {
			return err
		}
		fields := c.changedFrom(was)
		if len(fields) == 0 {
			return nil
		}
		today := calendar.Today(s.now)
		stays, err := staysOutsideContract(ctx, tx, c, today)
		if err != nil {
			return err
		}
		if len(stays) > 0 {
			return ErrContractHasStays.Reason("%s", staysInTheWay(c, stays, today))
		}
		c.UpdatedAt = s.now().UTC()
		if err := updateContract(ctx, tx, &c); err != nil {
			return err
		}
		return audit.RecordChange(ctx, tx, c.UpdatedAt, actor, audit.ContractChanged, auditContract, c.ID, fields, "")
	})
	if err != nil {
		return Contract{}, err
	}
	return c, nil
}

// staysInTheWay says which stays stop a contract change, naming up to
// maxStaysNamed of them.
func staysInTheWay(c Contract, stays []bookedStay, today calendar.Date) string {
	var b strings.Builder
	if !c.Active {
		b.WriteString("Stays are booked under this contract from today on, so it cannot be made inactive yet: ")
	} else {
		fmt.Fprintf(&b, "Stays are booked under this contract outside %s to %s: ", c.StartsOn.Long(), c.EndsOn.Long())
	}
	for i, st := range stays {
		if i == maxStaysNamed {
			b.WriteString(", and more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s, %s to %s)", st.Reference, st.BedLabel, st.Arrive.Long(), st.Depart.Long())
	}
	b.WriteString(". Move or cancel them first.")
	return b.String()
}

// Contract returns one contract, or ErrContractNotFound.
func (s *Service) Contract(ctx context.Context, id int64) (Contract, error) {
	return contractByID(ctx, s.db, id)
}

// Contracts lists a care home's contracts in id order. It returns
// ErrProviderNotFound for an unknown home.
func (s *Service) Contracts(ctx context.Context, providerID int64, page paging.Request) (paging.Page[Contract], error) {
	if _, err := providerByID(ctx, s.db, providerID); err != nil {
		return paging.Page[Contract]{}, err
	}
	page = page.Clamp()
	items, err := listContracts(ctx, s.db, providerID, page)
	if err != nil {
		return paging.Page[Contract]{}, err
	}
	return paging.Cut(items, page.Limit, func(c Contract) int64 { return c.ID }), nil
}

// CreateBed adds a bed to a care home under one of its contracts. It returns
// ErrProviderNotFound, ErrLabelTaken, or an Invalid error naming every bad
// field (a contract with another home among them).
func (s *Service) CreateBed(ctx context.Context, actor accounts.Principal, providerID int64, in BedInput) (Bed, error) {
	b := newBed(providerID, in)
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		home, err := providerByID(ctx, tx, providerID)
		if err != nil {
			return err
		}
		contract, err := optionalContract(ctx, tx, b.ContractID)
		if err != nil {
			return err
		}
		if err := b.check(home, contract); err != nil {
			return err
		}
		b.CreatedAt = s.now().UTC()
		b.UpdatedAt = b.CreatedAt
		if err := insertBed(ctx, tx, &b); err != nil {
			return err
		}
		return audit.Record(ctx, tx, b.CreatedAt, actor, audit.BedCreated, auditBed, b.ID, "")
	})
	if err != nil {
		return Bed{}, err
	}
	return b, nil
}

// Bed returns one bed, or ErrBedNotFound.
func (s *Service) Bed(ctx context.Context, id int64) (Bed, error) {
	return bedByID(ctx, s.db, id)
}

// Beds lists a care home's beds in id order. It returns ErrProviderNotFound
// for an unknown home.
func (s *Service) Beds(ctx context.Context, providerID int64, page paging.Request) (paging.Page[Bed], error) {
	if _, err := providerByID(ctx, s.db, providerID); err != nil {
		return paging.Page[Bed]{}, err
	}
	page = page.Clamp()
	items, err := listBeds(ctx, s.db, providerID, page)
	if err != nil {
		return paging.Page[Bed]{}, err
	}
	return paging.Cut(items, page.Limit, func(b Bed) int64 { return b.ID }), nil
}

// UpdateBed changes a bed. It returns ErrBedNotFound, ErrLabelTaken, or an
// Invalid error; nothing is changed when anything is wrong. A patch that
// changes nothing writes nothing, to the bed or the audit log.
func (s *Service) UpdateBed(ctx context.Context, actor accounts.Principal, id int64, patch BedPatch) (Bed, error) {
	var b Bed
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if b, err = bedForChange(ctx, tx, id); err != nil {
			return err
		}
		if err := revision.Check(patch.IfRevision, b.UpdatedAt); err != nil {
			return err
		}
		was := b
		b.apply(patch)
		home, err := providerByID(ctx, tx, b.ProviderID)
		if err != nil {
			return err
		}
		contract, err := optionalContract(ctx, tx, b.ContractID)
		if err != nil {
			return err
		}
		if err := b.check(home, contract); err != nil {
			return err
		}
		fields := b.changedFrom(was)
		if len(fields) == 0 {
			return nil
		}
		b.UpdatedAt = revision.Now(s.now())
		if err := updateBed(ctx, tx, &b); err != nil {
			return err
		}
		return audit.RecordChange(ctx, tx, b.UpdatedAt, actor, audit.BedChanged, auditBed, b.ID, fields, "")
	})
	if err != nil {
		return Bed{}, err
	}
	return b, nil
}

// optionalContract returns the contract with id, or nil when there is none
// (the caller reports that as a bad field, not a missing page).
func optionalContract(ctx context.Context, db bun.IDB, id int64) (*Contract, error) {
	if id == 0 {
		return nil, nil
	}
	c, err := contractByID(ctx, db, id)
	if errors.Is(err, ErrContractNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateClosure closes a bed of the home (in.BedID), or the whole home, to
// admissions for the nights from in.StartsOn to in.EndsOn. A closure over
// nights already booked is refused with ErrClosureHasStays naming the
// stays; the Closure returned with that error lists them in StaysInTheWay,
// so a page can show them. With in.ConfirmStaysInTheWay it is made anyway,
// and the closure returned lists the stays for staff to move. It returns
// ErrProviderNotFound, or an Invalid error naming every bad field (a bed
// that is not the home's among them); nothing changes when anything is
// wrong.
//
// A closure and a booking racing for the same night go one after the
// other: the closure locks, for update, the contracts of the beds it
// covers (all the home's, for the whole home) before it looks for stays,
// and a booking takes its bed's contract lock shared
// (booking.lockPlace) before its last check that the nights are free,
// which reads closures. Whichever comes second sees the first, so no
// booked night is ever left inside a closure unknown to staff.
func (s *Service) CreateClosure(ctx context.Context, actor accounts.Principal, providerID int64, in ClosureInput) (Closure, error) {
	today := calendar.Today(s.now)
	c, err := newClosure(providerID, in, today)
	if err != nil {
		return Closure{}, err
	}
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		home, err := providerByID(ctx, tx, providerID)
		if err != nil {
			return err
		}
		if c.BedID != nil {
			bed, err := bedByID(ctx, tx, *c.BedID)
			switch {
			case errors.Is(err, ErrBedNotFound) || (err == nil && bed.ProviderID != home.ID):
				return apperr.Invalidf("bed_id", "%s has no bed %d; choose one of its beds, or leave the bed out to close the whole home.", home.Name, *c.BedID)
			case err != nil:
				return err
			}
			c.BedLabel = bed.Label
		}
		if err := lockClosedContracts(ctx, tx, c); err != nil {
			return err
		}
		if c.StaysInTheWay, err = staysInClosure(ctx, tx, c); err != nil {
			return err
		}
		if len(c.StaysInTheWay) > 0 && !in.ConfirmStaysInTheWay {
			return ErrClosureHasStays.Reason("%s", staysNamed(c.StaysInTheWay))
		}
		c.CreatedAt = s.now().UTC()
		if err := insertClosure(ctx, tx, &c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.CreatedAt, actor, audit.ClosureCreated, auditClosure, c.ID, c.auditWords())
	})
	if errors.Is(err, ErrClosureHasStays) {
		return Closure{ProviderID: c.ProviderID, BedID: c.BedID, BedLabel: c.BedLabel, StartsOn: c.StartsOn, EndsOn: c.EndsOn,
			Reason: c.Reason, StaysInTheWay: c.StaysInTheWay}, err
	}
	if err != nil {
		return Closure{}, err
	}
	return c, nil
}

// Closure returns one closure, or ErrClosureNotFound.
func (s *Service) Closure(ctx context.Context, id int64) (Closure, error) {
	return closureByID(ctx, s.db, id)
}

// Closures lists the home's closures that are not yet over (their last
// night is today or later), soonest first, each with the stays booked on
// its nights that staff still have to move. It returns ErrProviderNotFound
// for an unknown home.
func (s *Service) Closures(ctx context.Context, providerID int64) ([]Closure, error) {
	if _, err := providerByID(ctx, s.db, providerID); err != nil {
		return nil, err
	}
	cs, err := listClosures(ctx, s.db, providerID, calendar.Today(s.now))
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].StaysInTheWay, err = staysInClosure(ctx, s.db, cs[i]); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// LiftClosure opens a closure's nights again from the night of from on
// (today when from is zero). A closure that has not begun by then is
// deleted (deleted is true); one already under way is ended early, on the
// night before from, so the record of the nights it did close stays. It
// returns ErrClosureNotFound, ErrClosureOver for a closure whose nights
// are all past, or an Invalid error naming from for a date before today
// or after the closure ends.
func (s *Service) LiftClosure(ctx context.Context, actor accounts.Principal, id int64, from calendar.Date) (c Closure, deleted bool, err error) {
	today := calendar.Today(s.now)
	if from.IsZero() {
		from = today
	}
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if c, err = closureByID(ctx, tx, id); err != nil {
			return err
		}
		switch {
		case c.EndsOn.Before(today):
			return ErrClosureOver.Reason("That closure ended on %s, so there is nothing to lift.", c.EndsOn.Long())
		case from.Before(today):
			return apperr.Invalidf("from", "Lift a closure from today (%s) or later: past nights stay as they were.", today.Long())
		case from.After(c.EndsOn):
			return apperr.Invalidf("from", "The closure already ends on %s; lift it from that night or earlier.", c.EndsOn.Long())
		case !from.After(c.StartsOn):
			deleted = true
			if err := deleteClosure(ctx, tx, c.ID); err != nil {
				return err
			}
			return audit.Record(ctx, tx, s.now(), actor, audit.ClosureLifted, auditClosure, c.ID,
				fmt.Sprintf("lifted before it began (it was to run %s to %s)", c.StartsOn.Long(), c.EndsOn.Long()))
		}
		was := c.EndsOn
		c.EndsOn = from.AddDays(-1)
		if err := updateClosureEnd(ctx, tx, c); err != nil {
			return err
		}
		return audit.RecordChange(ctx, tx, s.now(), actor, audit.ClosureLifted, auditClosure, c.ID, []string{"ends_on"},
			fmt.Sprintf("lifted from %s (it was to run to %s)", from.Long(), was.Long()))
	})
	if err != nil {
		return Closure{}, false, err
	}
	return c, deleted, nil
}
