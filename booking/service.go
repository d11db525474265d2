// Package booking is the heart of Respite: carers and the people they care
// for, their allowance of nights, searching for places that suit, holding a
// place while someone confirms, and bookings that never collide.
//
// The rules are design.md's "Rules that make it trustworthy". The most
// important is enforced by the database itself: one booking_nights row per
// place, night and slot under a unique key, written in the booking's own
// transaction. Holds only make the race fair.
package booking

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
)

// Options tune the booking rules; zero values give the defaults.
type Options struct {
	Clock  calendar.Clock
	Logger *slog.Logger
	// HoldTTL is how long a hold lasts (default 10 minutes).
	HoldTTL time.Duration
	// LeadDays is how many days ahead a planned stay may start at the
	// soonest (default 1: tomorrow).
	LeadDays int
	// HorizonDays is how far ahead a planned stay may start (default 365).
	HorizonDays int
	// MaxNights is the longest planned stay (default 14).
	MaxNights int
	// CancelCutoff is how long before arrival a carer may still cancel
	// themselves (default 48 hours); staff may cancel at any time.
	CancelCutoff time.Duration
	// KeepAllowanceOnLateCancel: when a carer cancels after the cutoff is
	// impossible (staff cancel on their behalf), whether the nights still
	// count against the allowance. Default false: nights are given back.
	KeepAllowanceOnLateCancel bool
	// NightEndsAt is the time of day, London time, at which the night
	// under way ends (default 10:00, as a duration from midnight). Before
	// it, an emergency placement may start on the previous date, so the
	// night the person is already spending in the bed is recorded (see
	// Tonight).
	NightEndsAt time.Duration
	// ReleaseEmergencyDays: when above zero, a bed kept for emergencies that
	// is still free this many days before a night may be booked ahead for
	// it. Off (0) by default.
	ReleaseEmergencyDays int
	// Codes makes and checks the codes texted to a carer's new mobile
	// number before it replaces the old (StartMobileChange). Without it,
	// changing a mobile number is a fault.
	Codes *accounts.Service
	// Locator finds where postcodes are, to fill in and check the position
	// of carers' homes. Without one, positions must be given, and are
	// checked only to lie in the UK.
	Locator contact.Locator
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = calendar.SystemClock
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HoldTTL <= 0 {
		o.HoldTTL = 10 * time.Minute
	}
	if o.LeadDays <= 0 {
		o.LeadDays = 1
	}
	if o.HorizonDays <= 0 {
		o.HorizonDays = 365
	}
	if o.MaxNights <= 0 {
		o.MaxNights = 14
	}
	if o.CancelCutoff <= 0 {
		o.CancelCutoff = 48 * time.Hour
	}
	if o.NightEndsAt <= 0 {
		o.NightEndsAt = DefaultNightEndsAt
	}
}

// DefaultNightEndsAt is when the night under way ends, unless
// Options.NightEndsAt says otherwise: 10:00.
const DefaultNightEndsAt = 10 * time.Hour

// Service runs carers, people, availability, holds and bookings.
type Service struct {
	db        *bun.DB
	providers *providers.Service
	notify    *notify.Service
	holds     HoldStore
	opts      Options
	now       calendar.Clock
	log       *slog.Logger
}

// NewService returns the booking service. holds is the Redis hold store with
// several instances, the in-process one otherwise.
func NewService(db *bun.DB, providers *providers.Service, notify *notify.Service, holds HoldStore, opts Options) *Service {
	opts.setDefaults()
	return &Service{db: db, providers: providers, notify: notify, holds: holds, opts: opts, now: opts.Clock, log: opts.Logger}
}

// today is the current date in London.
func (s *Service) today() calendar.Date { return calendar.Today(s.now) }

// Tonight is the date of the night a stay placed now begins: today; or,
// between midnight and Options.NightEndsAt (London time), yesterday, the
// night already under way, which the person may be spending in the bed
// right now. It is read from the clock on the wall, so the clocks going
// back or forward do not move the cut-off.
func (s *Service) Tonight() calendar.Date {
	now := s.now().In(calendar.London)
	today := calendar.Of(now)
	sinceMidnight := time.Duration(now.Hour())*time.Hour + time.Duration(now.Minute())*time.Minute + time.Duration(now.Second())*time.Second
	if sinceMidnight < s.opts.NightEndsAt {
		return today.AddDays(-1)
	}
	return today
}
