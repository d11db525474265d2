package pages_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web"
	"github.com/respite-uk/respite/web/pages"
	"github.com/respite-uk/respite/web/webtest"
)

// site is the whole service, wired as cmd/respite wires it, listening on
// a loopback port, with a small council's worth of people and places.
type site struct {
	URL       string
	server    *web.Server
	db        *bun.DB
	accounts  *accounts.Service
	booking   *booking.Service
	hosts     *sharedlives.Service
	providers *providers.Service
	phones    *phones
	today     calendar.Date

	admin, duty, coordinator accounts.Principal
	helen, david             booking.Carer
	margaret, tom            booking.Person
	meadow                   providers.Provider
	room2                    providers.Bed
	ann                      sharedlives.Host
	joansStay                booking.Booking
	tomsStay                 booking.Booking
}

// The people in the site, by mobile.
const (
	helenMobile = "07700 900101"
	davidMobile = "07700 900102"
	sarahMobile = "07700 900103"
	annMobile   = "07700 900201"
)

// phones is every phone's inbox: the codes texted to each number, as the
// owner of the phone would read them.
type phones struct {
	mu    sync.Mutex
	codes map[string][]string
}

func (p *phones) record(phone, code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.codes[phone] = append(p.codes[phone], code)
}

// lastCode is the newest code texted to phone (written any way).
func (p *phones) lastCode(t testing.TB, phone string) string {
	t.Helper()
	e164, err := contact.ParsePhone(phone)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	codes := p.codes[e164]
	if len(codes) == 0 {
		t.Fatalf("no code has been texted to %s", phone)
	}
	return codes[len(codes)-1]
}

type siteOption func(*web.Deps)

func newSite(t testing.TB, db *bun.DB, opts ...siteOption) *site {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &site{db: db, phones: &phones{codes: map[string][]string{}}, today: calendar.Today(calendar.SystemClock)}
	s.accounts = accounts.NewService(db, accounts.Options{BcryptCost: bcrypt.MinCost})
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Logger: log, ServiceName: "Leeds Carers Respite", ServicePhone: "0113 496 0000"})
	s.providers = providers.NewService(db, nil)
	s.booking = booking.NewService(db, s.providers, sms, booking.NewLocalHoldStore(), booking.Options{Logger: log, Codes: s.accounts})
	s.hosts = sharedlives.NewService(db, sms, sharedlives.Options{Logger: log})
	s.accounts.SetCodeSignIn(
		func(ctx context.Context, phone string) (accounts.SubjectKind, int64, bool, error) {
			c, found, err := s.booking.CarerByMobile(ctx, phone)
			if err != nil || found {
				return accounts.SubjectCarer, c.ID, found, err
			}
			h, found, err := s.hosts.HostByMobile(ctx, phone)
			if err != nil || !found {
				return "", 0, false, err
			}
			return accounts.SubjectHost, h.ID, true, nil
		},
		func(ctx context.Context, db bun.IDB, phone, code, dedupeKey string) error {
			s.phones.record(phone, code)
			return sms.Enqueue(ctx, db, notify.Outgoing{DedupeKey: dedupeKey, To: phone, Template: notify.TemplateSignInCode, Data: notify.Data{Code: code}})
		},
	)
	d := web.Deps{
		Logger: log, Accounts: s.accounts, Providers: s.providers, Notify: sms, Booking: s.booking, Hosts: s.hosts,
		Audit: audit.NewService(db), Privacy: privacy.NewService(db, nil), PublicURL: "http://localhost",
		Pages: &pages.Deps{ServiceName: "Leeds Carers Respite", BookingLine: "0113 496 0000", SharedLivesPhone: "0113 496 0500"},
	}
	for _, o := range opts {
		o(&d)
	}
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	s.server = srv
	s.URL = webtest.Serve(t, srv)
	s.seed(t, ctx)
	return s
}

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }
func strp(v string) *string  { return &v }

// seed adds the people and places every page test starts from.
func (s *site) seed(t testing.TB, ctx context.Context) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	staff := func(email string, role accounts.Role) accounts.Principal {
		u, err := s.accounts.CreateUser(ctx, accounts.NewUser{Email: email, Name: strings.ToUpper(email[:1]) + email[1:4], Role: role, Password: "a long enough password"})
		must(err)
		return accounts.Principal{Kind: accounts.SubjectStaff, ID: u.ID, Name: u.Name, Role: u.Role}
	}
	s.admin = staff("admin@example.test", accounts.RoleAdmin)
	s.duty = staff("duty@example.test", accounts.RoleDuty)
	s.coordinator = staff("coordinator@example.test", accounts.RoleCoordinator)

	var err error
	s.meadow, err = s.providers.CreateProvider(ctx, s.admin, providers.ProviderInput{
		Name: "Meadow View Care Home", Address: "14 Roundhay Road, Leeds", Postcode: "LS7 1AB",
		Latitude: f64(53.8149), Longitude: f64(-1.5267), Phone: "0113 496 0001",
		BedTypes: []string{"residential", "residential_dementia"}, Specialisms: []string{"dementia"},
	})
	must(err)
	rate := int64(14250)
	contract, err := s.providers.CreateContract(ctx, s.admin, s.meadow.ID, providers.ContractInput{
		Kind: providers.KindBlock, Reference: "LCC-BLK-1", NightlyRatePence: &rate,
		StartsOn: s.today.AddDays(-30), EndsOn: s.today.AddDays(400),
	})
	must(err)
	s.room2, err = s.providers.CreateBed(ctx, s.admin, s.meadow.ID, providers.BedInput{Label: "Room 2", ContractID: contract.ID, BedType: "residential_dementia", Features: []string{"en_suite", "ground_floor"}})
	must(err)
	_, err = s.providers.CreateBed(ctx, s.admin, s.meadow.ID, providers.BedInput{Label: "Room 1", ContractID: contract.ID, BedType: "residential_dementia", Features: []string{"en_suite"}, EmergencyReserved: true})
	must(err)

	carer := func(name, mobile string, person booking.PersonInput) (booking.Carer, booking.Person) {
		t.Helper()
		// Each carer's emergency card number ends with their mobile's.
		card := "LDS-EC-" + mobile[len(mobile)-4:]
		c, err := s.booking.CreateCarer(ctx, s.duty, booking.CarerInput{
			Name: name, Mobile: mobile, Postcode: "LS8 2PA", Latitude: f64(53.8260), Longitude: f64(-1.5120),
			AllowanceNights: intp(28), AllowanceYearStarts: calendar.Date{Year: s.today.Year - 1, Month: 4, Day: 1},
			EmergencyContactName: "Grace", EmergencyContactPhone: strp("07700 900999"),
			EmergencyCard: strp(card), EmergencyPlan: "Ring Grace first; Margaret settles best with music.",
		})
		must(err)
		p, err := s.booking.AddPerson(ctx, s.duty, c.ID, person)
		must(err)
		return c, p
	}
	s.helen, s.margaret = carer("Helen Okafor", helenMobile, booking.PersonInput{Name: "Margaret Okafor", DateOfBirth: calendar.Date{Year: 1941, Month: 3, Day: 12}, Needs: []string{"dementia"}})
	s.david, s.tom = carer("David Price", davidMobile, booking.PersonInput{Name: "Tom Price", DateOfBirth: calendar.Date{Year: 1950, Month: 8, Day: 20}, Needs: []string{"dementia"}})
	_, joan := carer("Sarah Whitfield", sarahMobile, booking.PersonInput{Name: "Joan Whitfield", DateOfBirth: calendar.Date{Year: 1944, Month: 1, Day: 2}, Needs: []string{"dementia"}})

	s.ann, err = s.hosts.CreateHost(ctx, s.coordinator, sharedlives.HostInput{
		Name: "Ann Hargreaves", Mobile: annMobile, Postcode: "LS6 2AB", Latitude: f64(53.8200), Longitude: f64(-1.5750), Capacity: intp(1),
		Skills: []string{"dementia"}, Offers: []string{"short_break"}, HomeFacts: []string{"ground_floor_bedroom"}, AgeGroups: []string{"adults"},
	})
	must(err)
	_, err = s.hosts.Approve(ctx, s.coordinator, s.ann.ID, s.today)
	must(err)
	_, err = s.hosts.SetCalendar(ctx, s.coordinator, s.ann.ID, []sharedlives.RangeInput{{StartsOn: s.today.AddDays(7), EndsOn: s.today.AddDays(25)}})
	must(err)

	book := func(person booking.Person, place booking.Place, arrive calendar.Date, nights int) booking.Booking {
		t.Helper()
		h, err := s.booking.CreateHold(ctx, s.duty, booking.HoldRequest{PersonID: person.ID, Place: place, Arrive: arrive, Depart: arrive.AddDays(nights)})
		must(err)
		b, _, err := s.booking.Confirm(ctx, s.duty, h.ID, "")
		must(err)
		return b
	}
	// Joan stays with Ann; Tom has Room 2 for a few nights a month ahead,
	// so nothing suits Margaret then.
	s.joansStay = book(joan, booking.Place{Kind: booking.PlaceHost, ID: s.ann.ID}, s.today.AddDays(10), 3)
	s.tomsStay = book(s.tom, booking.Place{Kind: booking.PlaceBed, ID: s.room2.ID}, s.today.AddDays(30), 4)
}
