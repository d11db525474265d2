package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// The demo data: a small, realistic picture of one council's respite
// service, loaded by `respite demo` and `respite serve --demo`. Loading it
// twice changes nothing, because each item is found by its natural key
// (email, home name, contract reference, bed label) before it is created.
// Phone numbers are from Ofcom's drama ranges, so no real person is ever
// called or texted.

type demoUser struct {
	email, name, password string
	role                  accounts.Role
}

var demoUsers = []demoUser{
	{"admin@respite.example", "Alex Morgan (commissioning)", "demo-admin-password", accounts.RoleAdmin},
	{"duty@respite.example", "Sam Patel (duty team)", "demo-duty-password", accounts.RoleDuty},
	{"coordinator@respite.example", "Jo Williams (shared lives)", "demo-coordinator-password", accounts.RoleCoordinator},
}

type demoBed struct {
	label     string
	bedType   string
	features  []string
	emergency bool
}

type demoHome struct {
	in        providers.ProviderInput
	contract  string // block contract reference
	ratePence int64
	beds      []demoBed
}

func f64(v float64) *float64 { return &v }

var demoHomes = []demoHome{
	{
		in: providers.ProviderInput{
			Name: "Meadow View Care Home", Address: "14 Roundhay Road, Leeds", Postcode: "LS7 1AB",
			Latitude: f64(53.8149), Longitude: f64(-1.5267), Phone: "0113 496 0001", NotificationsMobile: "07700 900401",
			BedTypes: []string{"residential", "residential_dementia"}, Specialisms: []string{"dementia", "physical_disability"},
		},
		contract: "LCC-BLK-2026-014", ratePence: 14250,
		beds: []demoBed{
			{"Room 1", "residential", []string{"ground_floor", "en_suite", "wheelchair_access"}, true},
			{"Room 2", "residential", []string{"ground_floor", "hoist"}, false},
			{"Room 7", "residential_dementia", []string{"en_suite"}, false},
		},
	},
	{
		in: providers.ProviderInput{
			Name: "Aire Valley Nursing Home", Address: "2 Canal Wharf, Kirkstall, Leeds", Postcode: "LS5 3BT",
			Latitude: f64(53.8159), Longitude: f64(-1.6010), Phone: "0113 496 0002", NotificationsMobile: "07700 900402",
			BedTypes: []string{"nursing", "nursing_dementia"}, Specialisms: []string{"dementia", "epilepsy", "acquired_brain_injury"},
		},
		contract: "LCC-BLK-2026-022", ratePence: 19800,
		beds: []demoBed{
			{"Willow 3", "nursing", []string{"hoist", "profiling_bed", "pressure_relief_mattress", "wheelchair_access"}, true},
			{"Willow 4", "nursing", []string{"hoist", "profiling_bed"}, false},
			{"Oak 1", "nursing_dementia", []string{"ground_floor", "level_access_shower"}, false},
		},
	},
	{
		in: providers.ProviderInput{
			Name: "Hollybank Short Breaks", Address: "9 Hollybank Lane, Otley", Postcode: "LS21 1HU",
			Latitude: f64(53.9053), Longitude: f64(-1.6937), Phone: "0113 496 0003",
			// No notifications mobile: staff pages show it as "not told:
			// ring them".
			BedTypes: []string{"residential"}, Specialisms: []string{"learning_disability", "autism", "epilepsy"},
			AgeGroups: []string{"children", "adults"},
		},
		contract: "LCC-BLK-2026-031", ratePence: 16500,
		beds: []demoBed{
			{"Blue room", "residential", []string{"ground_floor", "en_suite", "hearing_loop"}, false},
			{"Green room", "residential", []string{"wheelchair_access", "hoist", "level_access_shower"}, false},
		},
	},
}

// demoOperator is who the demo's care homes, contracts and beds are added
// by, in the audit log: the command line, as for `respite users`.
var demoOperator = accounts.CommandLine("demo data")

// loadDemo creates whatever part of the demo data is missing and prints the
// demo sign-ins.
func loadDemo(ctx context.Context, a *app, out io.Writer) error {
	created := 0
	for _, u := range demoUsers {
		_, err := a.accounts.CreateUser(ctx, accounts.NewUser{Email: u.email, Name: u.name, Role: u.role, Password: u.password})
		switch {
		case err == nil:
			created++
		case errors.Is(err, accounts.ErrEmailTaken):
		default:
			return fmt.Errorf("demo user %s: %w", u.email, err)
		}
	}

	today := calendar.Today(calendar.SystemClock)
	for _, h := range demoHomes {
		home, made, err := demoProvider(ctx, a.providers, h.in)
		if err != nil {
			return fmt.Errorf("demo home %s: %w", h.in.Name, err)
		}
		if made {
			created++
		}
		rate := h.ratePence
		contract, err := a.providers.CreateContract(ctx, demoOperator, home.ID, providers.ContractInput{
			Kind: providers.KindBlock, Reference: h.contract, NightlyRatePence: &rate,
			// A contract running from the start of this month a year ago
			// (the demo's history, demo_history.go) until two years from
			// now, so the demo always has beds to book.
			StartsOn: demoContractStarts(today),
			EndsOn:   calendar.Date{Year: today.Year + 2, Month: today.Month, Day: 1}.AddDays(-1),
		})
		switch {
		case err == nil:
			created++
		case errors.Is(err, providers.ErrReferenceTaken):
			if contract, err = demoContract(ctx, a.providers, home.ID, h.contract); err != nil {
				return err
			}
			// A demo loaded before it had a history: the contract covers
			// the history's year too.
			if starts := demoContractStarts(today); starts.Before(contract.StartsOn) {
				if contract, err = a.providers.UpdateContract(ctx, demoOperator, contract.ID, providers.ContractPatch{StartsOn: &starts}); err != nil {
					return fmt.Errorf("demo contract %s: %w", h.contract, err)
				}
			}
		default:
			return fmt.Errorf("demo contract %s: %w", h.contract, err)
		}
		for _, b := range h.beds {
			_, err := a.providers.CreateBed(ctx, demoOperator, home.ID, providers.BedInput{
				Label: b.label, ContractID: contract.ID, BedType: b.bedType, Features: b.features, EmergencyReserved: b.emergency,
			})
			switch {
			case err == nil:
				created++
			case errors.Is(err, providers.ErrLabelTaken):
			default:
				return fmt.Errorf("demo bed %s at %s: %w", b.label, h.in.Name, err)
			}
		}
	}

	n, err := loadDemoCarers(ctx, a)
	if err != nil {
		return err
	}
	created += n
	n, err = loadDemoHosts(ctx, a)
	if err != nil {
		return err
	}
	created += n
	n, err = loadDemoHistory(ctx, a)
	if err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	created += n

	if created == 0 {
		fmt.Fprintln(out, "Demo data is already loaded; nothing to add.")
	} else {
		fmt.Fprintf(out, "Demo data loaded (%d items added).\n", created)
	}
	fmt.Fprintln(out, "Demo sign-ins (POST /api/v1/auth/login with email and password):")
	for _, u := range demoUsers {
		fmt.Fprintf(out, "  %-12s %-30s password: %s\n", u.role, u.email, u.password)
	}
	fmt.Fprintln(out, "Demo carers and hosts sign in on the pages (/sign-in) or the API (POST /api/v1/auth/code, then /verify)")
	fmt.Fprintln(out, "with a code texted to their mobile;")
	fmt.Fprintln(out, "with SMS_PROVIDER=log the text, code included, is written to the log:")
	for _, c := range demoCarers {
		fmt.Fprintf(out, "  carer        %-30s mobile: %s\n", c.name, c.mobile)
	}
	for _, h := range demoHosts {
		fmt.Fprintf(out, "  host         %-30s mobile: %s\n", h.Name, h.Mobile)
	}
	return nil
}

// demoHosts are shared-lives families, approved, with their calendars.
var demoHosts = []sharedlives.HostInput{
	{Name: "Ann Hargreaves", Mobile: "07700 900201", Address: "22 Headingley Lane, Leeds", Postcode: "LS6 2AB", Latitude: f64(53.8200), Longitude: f64(-1.5750), Capacity: intp(2),
		Skills: []string{"dementia", "medication", "personal_care"}, Offers: []string{"short_break", "emergency"},
		HomeFacts: []string{"ground_floor_bedroom"}, AgeGroups: []string{"adults"}, StaffNotes: "Experienced with dementia; retired nurse."},
	{Name: "Raj and Priya Mehta", Mobile: "07700 900202", Address: "5 Alwoodley Gates, Leeds", Postcode: "LS17 6PQ", Latitude: f64(53.8590), Longitude: f64(-1.5230), Capacity: intp(1),
		Skills: []string{"autism", "learning_disability", "epilepsy"}, Offers: []string{"short_break", "long_term"},
		HomeFacts: []string{"stairs", "pets"}, AgeGroups: []string{"children", "adults"}, StaffNotes: "Have a calm dog; ask before placing anyone nervous of dogs."},
}

func intp(v int) *int { return &v }

// loadDemoHosts adds, approves and opens the calendars of the demo hosts.
func loadDemoHosts(ctx context.Context, a *app) (int, error) {
	coordUser, err := a.accounts.UserByEmail(ctx, "coordinator@respite.example")
	if err != nil {
		return 0, fmt.Errorf("demo coordinator: %w", err)
	}
	coord := accounts.Principal{Kind: accounts.SubjectStaff, ID: coordUser.ID, Name: coordUser.Name, Role: coordUser.Role}
	today := calendar.Today(calendar.SystemClock)
	created := 0
	for _, in := range demoHosts {
		mobile, _ := contact.ParseMobile(in.Mobile)
		if _, found, err := a.hosts.HostByMobile(ctx, mobile); err != nil || found {
			if err != nil {
				return created, err
			}
			continue
		}
		h, err := a.hosts.CreateHost(ctx, coord, in)
		if err != nil {
			return created, fmt.Errorf("demo host %s: %w", in.Name, err)
		}
		if _, err := a.hosts.Approve(ctx, coord, h.ID, today); err != nil {
			return created, fmt.Errorf("approving demo host %s: %w", in.Name, err)
		}
		ranges := []sharedlives.RangeInput{{StartsOn: today.AddDays(7), EndsOn: today.AddDays(60)}, {StartsOn: today.AddDays(90), EndsOn: today.AddDays(120)}}
		if _, err := a.hosts.SetCalendar(ctx, coord, h.ID, ranges); err != nil {
			return created, fmt.Errorf("demo host %s's calendar: %w", in.Name, err)
		}
		created++
	}
	return created, nil
}

type demoCarer struct {
	name, mobile, postcode, card string
	lat, lon                     float64
	person                       booking.PersonInput
	bookInDays                   int // a stay this many days from today, for 3 nights
}

var demoCarers = []demoCarer{
	{"Helen Okafor", "07700 900101", "LS8 2PA", "LDS-EC-0101", 53.8260, -1.5120,
		booking.PersonInput{Name: "Margaret Okafor", DateOfBirth: calendar.Date{Year: 1941, Month: 3, Day: 12}, Needs: []string{"dementia"}, Requirements: []string{"en_suite"},
			StaffNotes: "Settles best with a familiar routine; likes the garden."}, 21},
	{"David Price", "07700 900102", "LS21 3DR", "LDS-EC-0102", 53.9040, -1.6910,
		booking.PersonInput{Name: "Tom Price", DateOfBirth: calendar.Date{Year: 2011, Month: 8, Day: 20}, Needs: []string{"autism", "learning_disability"}, Requirements: []string{},
			StaffNotes: "Needs a quiet room; visual timetable helps."}, 35},
	{"Sarah Whitfield", "07700 900103", "LS5 3AW", "LDS-EC-0103", 53.8190, -1.5980,
		booking.PersonInput{Name: "George Whitfield", DateOfBirth: calendar.Date{Year: 1948, Month: 11, Day: 2}, Needs: []string{"nursing_care", "epilepsy"}, Requirements: []string{"hoist"},
			StaffNotes: "Rescue medication plan on file."}, 49},
}

// loadDemoCarers adds the demo carers, the people they care for and a
// booking for each, through the same services and rules as real ones.
func loadDemoCarers(ctx context.Context, a *app) (int, error) {
	dutyUser, err := a.accounts.UserByEmail(ctx, "duty@respite.example")
	if err != nil {
		return 0, fmt.Errorf("demo duty user: %w", err)
	}
	duty := accounts.Principal{Kind: accounts.SubjectStaff, ID: dutyUser.ID, Name: dutyUser.Name, Role: dutyUser.Role}
	today := calendar.Today(calendar.SystemClock)
	created := 0
	for _, dc := range demoCarers {
		mobile, _ := contact.ParseMobile(dc.mobile)
		c, found, err := a.booking.CarerByMobile(ctx, mobile)
		if err != nil {
			return created, err
		}
		if !found {
			nights, lat, lon, card := 28, dc.lat, dc.lon, dc.card
			contactPhone := "07700 900199"
			c, err = a.booking.CreateCarer(ctx, duty, booking.CarerInput{
				Name: dc.name, Mobile: dc.mobile, Postcode: dc.postcode, Latitude: &lat, Longitude: &lon,
				AllowanceNights: &nights, AllowanceYearStarts: calendar.Date{Year: 2026, Month: time.April, Day: 1},
				EmergencyCard: &card, EmergencyPlan: "Call the emergency contact first; " + dc.person.Name + " can stay at a respite bed nearby.",
				EmergencyContactName: "Neighbour", EmergencyContactPhone: &contactPhone,
			})
			if err != nil {
				return created, fmt.Errorf("demo carer %s: %w", dc.name, err)
			}
			created++
		}
		// The demo reads names, not needs: nothing for the audit log.
		people, err := a.booking.People(booking.WithCareDetailsHidden(ctx), duty, c.ID)
		if err != nil {
			return created, err
		}
		var person booking.Person
		for _, p := range people {
			if p.Name == dc.person.Name {
				person = p
			}
		}
		if person.ID == 0 {
			if person, err = a.booking.AddPerson(ctx, duty, c.ID, dc.person); err != nil {
				return created, fmt.Errorf("demo person %s: %w", dc.person.Name, err)
			}
			created++
		}
		existing, err := a.booking.Bookings(ctx, duty, booking.BookingFilter{PersonID: person.ID})
		if err != nil || len(existing.Items) > 0 {
			continue
		}
		arrive := today.AddDays(dc.bookInDays)
		stay := booking.Search{PersonID: person.ID, Arrive: arrive, Depart: arrive.AddDays(3)}
		options, err := a.booking.Availability(ctx, duty, stay)
		if err != nil || len(options) == 0 {
			continue // nothing suits on those nights: the demo does without
		}
		hold, err := a.booking.CreateHold(ctx, duty, booking.HoldRequest{PersonID: person.ID, Place: options[0].Place, Arrive: stay.Arrive, Depart: stay.Depart})
		if errors.Is(err, booking.ErrHoldsUnavailable) {
			// Redis is configured but down: the demo does without its
			// sample bookings rather than not start.
			a.log.WarnContext(ctx, "demo bookings skipped: holds are unavailable", "person", dc.person.Name)
			continue
		}
		if err != nil {
			return created, fmt.Errorf("demo hold for %s: %w", dc.person.Name, err)
		}
		if _, _, err := a.booking.Confirm(ctx, duty, hold.ID, ""); err != nil {
			return created, fmt.Errorf("demo booking for %s: %w", dc.person.Name, err)
		}
		created++
	}
	return created, nil
}

// demoContractStarts is when the demo's block contracts start: the first
// of this month, a year ago.
func demoContractStarts(today calendar.Date) calendar.Date {
	return calendar.Date{Year: today.Year - 1, Month: today.Month, Day: 1}
}

// demoProvider finds the demo home by name, or creates it.
func demoProvider(ctx context.Context, svc *providers.Service, in providers.ProviderInput) (providers.Provider, bool, error) {
	page, err := svc.Providers(ctx, providers.ProviderFilter{Query: in.Name})
	if err != nil {
		return providers.Provider{}, false, err
	}
	for _, p := range page.Items {
		if p.Name == in.Name {
			return p, false, nil
		}
	}
	p, err := svc.CreateProvider(ctx, demoOperator, in)
	return p, err == nil, err
}

// demoContract finds one of a home's contracts by reference.
func demoContract(ctx context.Context, svc *providers.Service, providerID int64, reference string) (providers.Contract, error) {
	page, err := svc.Contracts(ctx, providerID, paging.Request{Limit: paging.MaxLimit})
	if err != nil {
		return providers.Contract{}, err
	}
	for _, c := range page.Items {
		if c.Reference == reference {
			return c, nil
		}
	}
	return providers.Contract{}, fmt.Errorf("demo contract %s belongs to another home", reference)
}

func demo(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "demo", "demo")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}
	return loadDemo(ctx, a, e.stdout)
}
