package sharedlives

import (
	"context"
	"database/sql"
	"slices"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// AddAvailability marks the dates from to (both included) as ones the host
// can take guests, joining them with any ranges they overlap or run on
// from, and records that the calendar was confirmed now (as SetCalendar
// does). to must not be before from, nor before today, nor more than
// HorizonDays ahead; a from before today counts from today. It returns the
// current calendar, or ErrNotAllowed, ErrHostNotFound (another host's
// calendar included), ErrWrongStatus for a host who has left, or an Invalid
// error naming from or to; nothing is changed when anything is wrong.
func (s *Service) AddAvailability(ctx context.Context, actor accounts.Principal, hostID int64, from, to calendar.Date) ([]Range, error) {
	if err := mayChangeCalendar(actor, hostID); err != nil {
		return nil, err
	}
	today := s.today()
	add, err := checkSpan(from, to, today, today.AddDays(s.opts.HorizonDays), addWords)
	if err != nil {
		return nil, err
	}
	return s.changeCalendar(ctx, actor, hostID, today, func(current []span) (next, removing []span) {
		return withSpan(current, add), nil
	})
}

// RemoveAvailability takes the dates from to (both included) out of the
// host's calendar, splitting a range they fall inside; from == to removes
// one night. It is refused with ErrGuestBooked when a guest is booked to
// stay any of those nights (the day a guest leaves is not one of them).
// Otherwise it is checked, and answered, as AddAvailability is.
func (s *Service) RemoveAvailability(ctx context.Context, actor accounts.Principal, hostID int64, from, to calendar.Date) ([]Range, error) {
	if err := mayChangeCalendar(actor, hostID); err != nil {
		return nil, err
	}
	today := s.today()
	remove, err := checkSpan(from, to, today, today.AddDays(s.opts.HorizonDays), removeWords)
	if err != nil {
		return nil, err
	}
	return s.changeCalendar(ctx, actor, hostID, today, func(current []span) (next, removing []span) {
		return withoutSpan(current, remove), []span{remove}
	})
}

// changeCalendar is every change to a host's calendar: under the host's row
// lock, change turns the current calendar into the next one and says which
// dates it takes away; the change is refused with ErrGuestBooked if a guest
// is booked on any of them from today on, and otherwise written, with the
// calendar confirmed now.
func (s *Service) changeCalendar(ctx context.Context, actor accounts.Principal, hostID int64, today calendar.Date,
	change func(current []span) (next, removing []span)) ([]Range, error) {
	var out []Range
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		h, err := hostByID(ctx, tx, hostID, true)
		if err != nil {
			return err
		}
		if h.Status == StatusLeft {
			return ErrWrongStatus.Reason("This host has left, so their calendar is closed.")
		}
		current, err := rangesOf(ctx, tx, hostID, today)
		if err != nil {
			return err
		}
		was := spansOf(current)
		next, removing := change(slices.Clone(was))
		if removing = startingFrom(removing, today); len(removing) > 0 {
			booked, err := bookedNights(ctx, tx, hostID, removing[0].first, removing[len(removing)-1].last)
			if err != nil {
				return err
			}
			if err := guestBooked(booked, removing, actor.Kind == accounts.SubjectHost); err != nil {
				return err
			}
		}
		if !slices.Equal(next, was) {
			if err := replaceRanges(ctx, tx, hostID, today, rangesFor(hostID, next)); err != nil {
				return err
			}
		}
		if err := setConfirmedAt(ctx, tx, hostID, s.now().UTC()); err != nil {
			return err
		}
		out, err = rangesOf(ctx, tx, hostID, today)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LockHost reads host id inside tx and, on PostgreSQL, keeps the row locked
// until tx ends (a SQLite transaction holds the write lock from its start).
// Every change to a host's calendar takes this lock first. A transaction
// that books nights at a host must take it too, before it reads the
// calendar to check the nights are available: then the booking and a
// calendar change happen one after the other, and whichever is second sees
// what the first wrote. It returns ErrHostNotFound.
func LockHost(ctx context.Context, tx bun.Tx, id int64) (Host, error) {
	return hostByID(ctx, tx, id, true)
}

// CalendarMonth lays out the month that holds day (today's month when day
// is zero) for a month grid: for every day, whether it is past, whether the
// host said they can take guests, and who is booked to stay that night. The
// months that can be shown run from today's to the one HorizonDays ahead.
// Access is as for Calendar: the host reads their own only (another's is
// ErrHostNotFound), staff who read hosts read any, and carers get
// ErrNotAllowed. A month outside those shown is an Invalid error naming
// month.
func (s *Service) CalendarMonth(ctx context.Context, actor accounts.Principal, hostID int64, month calendar.Date) (Month, error) {
	if err := maySeeHost(actor, hostID); err != nil {
		return Month{}, err
	}
	today := s.today()
	if month.IsZero() {
		month = today
	}
	firstShown, lastShown := firstOfMonth(today), firstOfMonth(today.AddDays(s.opts.HorizonDays))
	first := firstOfMonth(month)
	if first.Before(firstShown) || first.After(lastShown) {
		return Month{}, apperr.Invalidf("month", "Choose a month from %s to %s.", Month{First: firstShown}.Name(), Month{First: lastShown}.Name())
	}
	if _, err := hostByID(ctx, s.db, hostID, false); err != nil {
		return Month{}, err
	}
	last := first.AddDays(daysIn(first) - 1)
	ranges, err := rangesBetween(ctx, s.db, hostID, first, last)
	if err != nil {
		return Month{}, err
	}
	booked, err := bookedNights(ctx, s.db, hostID, first, last)
	if err != nil {
		return Month{}, err
	}
	available := spansOf(ranges)
	m := Month{First: first, Days: make([]Day, 0, daysIn(first))}
	for d := first; !d.After(last); d = d.AddDays(1) {
		day := Day{Date: d, Today: d == today, Past: d.Before(today), Available: covers(available, d), Guests: []GuestNight{}}
		for _, n := range booked {
			if n.Night == d {
				day.Guests = append(day.Guests, GuestNight{FirstName: firstName(n.Name), BookingReference: n.Reference})
			}
		}
		m.Days = append(m.Days, day)
	}
	if first.After(firstShown) {
		prev := firstOfMonth(first.AddDays(-1))
		m.Previous = &prev
	}
	if first.Before(lastShown) {
		next := last.AddDays(1)
		m.Next = &next
	}
	return m, nil
}

func firstOfMonth(d calendar.Date) calendar.Date {
	return calendar.Date{Year: d.Year, Month: d.Month, Day: 1}
}

// daysIn returns the number of days in the month that starts on first.
func daysIn(first calendar.Date) int {
	return first.DaysUntil(firstOfMonth(first.AddDays(31)))
}
