package pages

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// A shared-lives host's calendar, a month at a time, in an accessible
// table. They add a range of free dates, take a range out, or take out a
// single night; the shared-lives service refuses to take out a night a
// guest is booked on and names the stay.

type calendarView struct {
	layout
	Month       sharedlives.Month
	Add, Remove dateRangeForm
	Confirmed   string
	SharedLives string
	MonthParam  string
}

// dateRangeForm is the "take dates out" form as typed.
type dateRangeForm struct{ From, To dateForm }

// showCalendar shows a month of the host's calendar (this month unless
// ?month=YYYY-MM says otherwise).
func (p *Pages) showCalendar(c *fiber.Ctx) error {
	return p.renderCalendar(c, fiber.StatusOK, query(c, "month"), nil, nil)
}

func (p *Pages) renderCalendar(c *fiber.Ctx, status int, month string, errs formErrors, typed *calendarView) error {
	who := signedInAs(c)
	on := calendar.Today(p.deps.Clock)
	if m, err := calendar.Parse(month + "-01"); err == nil {
		on = m
	}
	m, err := p.deps.Hosts.CalendarMonth(ctx(c), who, who.ID, on)
	if err != nil {
		return err
	}
	v := &calendarView{}
	if typed != nil {
		v = typed
	}
	v.Month = m
	v.MonthParam = month
	v.SharedLives = p.deps.SharedLivesPhone
	host, err := p.deps.Hosts.Host(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	if host.AvailabilityConfirmedAt != nil {
		v.Confirmed = dateTime(*host.AvailabilityConfirmedAt)
	}
	v.Title = "Your calendar"
	v.Errors = errs
	return p.render(c, status, "host-calendar", v)
}

// addDates marks a range of dates free for guests.
func (p *Pages) addDates(c *fiber.Ctx) error {
	return p.changeDates(c, "add", p.deps.Hosts.AddAvailability, "calendar-added")
}

// removeDates takes a range of dates out.
func (p *Pages) removeDates(c *fiber.Ctx) error {
	return p.changeDates(c, "remove", p.deps.Hosts.RemoveAvailability, "calendar-removed")
}

type changeFunc func(ctx context.Context, actor accounts.Principal, hostID int64, from, to calendar.Date) ([]sharedlives.Range, error)

func (p *Pages) changeDates(c *fiber.Ctx, prefix string, change changeFunc, flash string) error {
	from := readDate(c, prefix+"-from")
	to := readDate(c, prefix+"-to")
	month := form(c, "month")
	fromDate, errs := from.parse(prefix+"-from", prefix+"-from", "the first date")
	toDate, toErrs := to.parse(prefix+"-to", prefix+"-to", "the last date")
	errs = append(errs, toErrs...)
	typed := &calendarView{}
	if prefix == "add" {
		typed.Add = dateRangeForm{From: from, To: to}
	} else {
		typed.Remove = dateRangeForm{From: from, To: to}
	}
	if len(errs) > 0 {
		return p.renderCalendar(c, fiber.StatusUnprocessableEntity, month, errs, typed)
	}
	who := signedInAs(c)
	if _, err := change(ctx(c), who, who.ID, fromDate, toDate); err != nil {
		fe, ok := errorsFrom(err, prefix+"-from-day", map[string]string{"from": prefix + "-from-day", "to": prefix + "-to-day"})
		if !ok {
			return err
		}
		for i := range fe {
			if fe[i].Field == "from" || fe[i].Field == "to" {
				fe[i].Field = prefix + "-" + fe[i].Field // the input it belongs to
			}
		}
		return p.renderCalendar(c, statusFor(err), month, fe, typed)
	}
	p.setFlash(c, flash)
	return redirect(c, "/host"+monthQuery(month))
}

// removeNight takes one night out: the button beside each free day.
func (p *Pages) removeNight(c *fiber.Ctx) error {
	month := form(c, "month")
	night, err := calendar.Parse(form(c, "night"))
	if err != nil {
		return p.renderCalendar(c, fiber.StatusUnprocessableEntity, month, pageError("night", "calendar", "Choose a night from the calendar."), nil)
	}
	who := signedInAs(c)
	if _, err := p.deps.Hosts.RemoveAvailability(ctx(c), who, who.ID, night, night); err != nil {
		fe, ok := errorsFrom(err, "calendar", nil)
		if !ok {
			return err
		}
		return p.renderCalendar(c, statusFor(err), month, fe, nil)
	}
	p.setFlash(c, "calendar-removed")
	return redirect(c, "/host"+monthQuery(month))
}

// confirmCalendar records that the host says their calendar is right, as
// a YES reply to the monthly text does.
func (p *Pages) confirmCalendar(c *fiber.Ctx) error {
	if err := p.deps.Hosts.ConfirmAvailability(ctx(c), signedInAs(c).ID); err != nil {
		return err
	}
	p.setFlash(c, "calendar-right")
	return redirect(c, "/host"+monthQuery(form(c, "month")))
}

func monthQuery(month string) string {
	if _, err := calendar.Parse(month + "-01"); err != nil {
		return ""
	}
	return "?month=" + month
}
