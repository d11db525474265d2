package pages

import (
	"fmt"
	"strings"

	ics "github.com/arran4/golang-ical"
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/calendar"
)

// downloadStayCalendar sends the stay as an iCalendar file, so a carer can
// add it to their phone's calendar. It is an all-day event from the day
// they arrive to the day they leave; like a text, it carries no care
// details.
func (p *Pages) downloadStayCalendar(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	b := s.Booking
	cal := ics.NewCalendar()
	cal.SetProductId("-//Respite//" + p.deps.ServiceName + "//EN")
	cal.SetMethod(ics.MethodPublish)
	ev := cal.AddEvent(fmt.Sprintf("booking-%s@respite", b.Reference))
	ev.SetDtStampTime(b.UpdatedAt)
	ev.SetAllDayStartAt(b.Arrive.StartIn(calendar.London))
	// DTEND is exclusive: the event covers the day they leave too.
	ev.SetAllDayEndAt(b.Depart.AddDays(1).StartIn(calendar.London))
	ev.SetSummary(fmt.Sprintf("%s stays at %s (%s)", s.PersonName, s.PlaceName, b.Reference))
	phone := s.Phone
	if phone == "" {
		phone = p.deps.SharedLivesPhone
	}
	ev.SetLocation(s.Address)
	ev.SetDescription(fmt.Sprintf("Booking %s: arrive %s, leave %s. Phone %s. Booking line %s.",
		b.Reference, b.Arrive.Long(), b.Depart.Long(), phone, p.deps.BookingLine))
	if b.Status != "confirmed" {
		ev.SetProperty(ics.ComponentPropertyStatus, "CANCELLED")
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="stay-`+strings.ReplaceAll(b.Reference, "/", "-")+`.ics"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(cal.Serialize(ics.WithNewLineWindows))
}
