package pages

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/calendar"
)

// dateForm is a GOV.UK date input as typed: day, month and year boxes
// named prefix-day, prefix-month and prefix-year. Its messages are about
// what was typed; whether the date is allowed is for the service to say.
type dateForm struct {
	Day, Month, Year          string
	DayBad, MonthBad, YearBad bool
}

// readDate reads a date input from a posted form, or else from the query.
func readDate(c *fiber.Ctx, prefix string) dateForm {
	get := form
	if c.Method() == fiber.MethodGet {
		get = query
	}
	return dateForm{Day: get(c, prefix+"-day"), Month: get(c, prefix+"-month"), Year: get(c, prefix+"-year")}
}

func dateFormOf(d calendar.Date) dateForm {
	return dateForm{Day: strconv.Itoa(d.Day), Month: strconv.Itoa(int(d.Month)), Year: strconv.Itoa(d.Year)}
}

// parse reads the boxes into a date. field is the service's name for it
// (so the summary and the inline message agree), id the input's prefix,
// and what names the date in a message ("the date they arrive").
func (f *dateForm) parse(field, id, what string) (calendar.Date, formErrors) {
	var missing []string
	if f.Day == "" {
		missing = append(missing, "a day")
	}
	if f.Month == "" {
		missing = append(missing, "a month")
	}
	if f.Year == "" {
		missing = append(missing, "a year")
	}
	switch {
	case len(missing) == 3:
		f.DayBad, f.MonthBad, f.YearBad = true, true, true
		return calendar.Date{}, pageError(field, id+"-day", "Enter "+what+".")
	case len(missing) > 0:
		f.DayBad, f.MonthBad, f.YearBad = f.Day == "", f.Month == "", f.Year == ""
		first := id + "-day"
		if !f.DayBad {
			first = id + "-month"
			if !f.MonthBad {
				first = id + "-year"
			}
		}
		return calendar.Date{}, pageError(field, first, capitalise(what)+" must include "+strings.Join(missing, " and ")+".")
	}
	d, dok := atoi(f.Day)
	m, mok := atoi(f.Month)
	y, yok := atoi(f.Year)
	if dok && mok && yok && y >= 1000 && y <= 9999 {
		if date, err := calendar.Parse(pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)); err == nil {
			return date, nil
		}
	}
	f.DayBad, f.MonthBad, f.YearBad = true, true, true
	return calendar.Date{}, pageError(field, id+"-day", capitalise(what)+" must be a real date, like 27 3 2027.")
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= 0 && len(s) <= 6
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
