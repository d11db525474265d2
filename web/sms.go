package web

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/notify"
)

// SignatureChecker checks that a webhook request really came from the SMS
// provider (Twilio's X-Twilio-Signature).
type SignatureChecker interface {
	Valid(fullURL string, params map[string]string, signature string) bool
}

var (
	errBadSignature = apperr.New(apperr.Forbidden, "The request's X-Twilio-Signature does not match: it did not come from Twilio, or RESPITE_PUBLIC_URL is not the address Twilio calls.")
	errWebhooksOff  = apperr.New(apperr.Forbidden, "SMS webhooks are off: they need SMS_PROVIDER=twilio and TWILIO_AUTH_TOKEN.")
)

// twilioSigned refuses webhook requests whose signature does not match. The
// signature covers the full public URL Twilio called, so it is rebuilt from
// RESPITE_PUBLIC_URL rather than from headers a proxy may have changed.
func (s *Server) twilioSigned(c *fiber.Ctx) error {
	if s.deps.Signatures == nil {
		return errWebhooksOff
	}
	params := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if _, seen := params[key]; !seen {
			params[key] = string(v)
		}
	})
	fullURL := strings.TrimRight(s.deps.PublicURL, "/") + string(c.Request().RequestURI())
	if !s.deps.Signatures.Valid(fullURL, params, c.Get("X-Twilio-Signature")) {
		s.log.WarnContext(c.UserContext(), "webhook refused: bad signature", "url", fullURL)
		return errBadSignature
	}
	return c.Next()
}

// receiveDeliveryReceipt records Twilio's status callback for a message. The
// callback URL names the outbox message (?outbox=ID, under Twilio's
// signature), which settles a send whose answer was lost; a replayed
// callback changes nothing.
func (s *Server) receiveDeliveryReceipt(c *fiber.Ctx) error {
	r := notify.Receipt{
		ProviderID: strings.Clone(c.FormValue("MessageSid")),
		Status:     strings.Clone(c.FormValue("MessageStatus")),
		ErrorCode:  strings.Clone(c.FormValue("ErrorCode")),
	}
	if id, err := strconv.ParseInt(c.Query("outbox"), 10, 64); err == nil && id > 0 {
		r.OutboxID = id
	}
	if err := s.deps.Notify.ApplyReceipt(c.UserContext(), r); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// fromTwilio makes a webhook's field plain text: whatever a phone sends
// (a NUL, a control character, bytes that are not UTF-8) cannot be refused
// back to the person who texted, and PostgreSQL cannot store it, so each
// such character becomes a space. It also copies the string out of
// Fiber's reused buffer.
func fromTwilio(s string) string {
	s = strings.ToValidUTF8(s, " ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return ' '
		}
		return r
	}, s)
}

// receiveText handles a text sent to the service's number and answers with
// TwiML: a reply message, or none. A replayed webhook (the same MessageSid)
// is answered with none and changes nothing.
func (s *Server) receiveText(c *fiber.Ctx) error {
	reply, err := s.deps.Notify.ReceiveText(c.UserContext(), notify.Inbound{
		MessageSid: fromTwilio(c.FormValue("MessageSid")),
		From:       fromTwilio(c.FormValue("From")),
		Body:       fromTwilio(c.FormValue("Body")),
	})
	if err != nil {
		return err
	}
	type message struct {
		Body string `xml:",chardata"`
	}
	type response struct {
		XMLName  xml.Name  `xml:"Response"`
		Messages []message `xml:"Message"`
	}
	r := response{}
	if reply != "" {
		r.Messages = append(r.Messages, message{Body: reply})
	}
	out, err := xml.Marshal(r)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), out...))
}

type messageJSON struct {
	ID                int64      `json:"id"`
	To                string     `json:"to"`
	Template          string     `json:"template"`
	Body              string     `json:"body"`
	Urgent            bool       `json:"urgent"`
	Status            string     `json:"status"`
	Attempts          int        `json:"attempts"`
	Provider          string     `json:"provider"`
	ProviderMessageID string     `json:"provider_message_id,omitempty"`
	LastError         string     `json:"last_error,omitempty"`
	NotBefore         time.Time  `json:"not_before"`
	NextAttemptAt     time.Time  `json:"next_attempt_at"`
	CreatedAt         time.Time  `json:"created_at"`
	SentAt            *time.Time `json:"sent_at,omitempty"`
	DeliveredAt       *time.Time `json:"delivered_at,omitempty"`
}

type messageList struct {
	Items      []messageJSON `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func toMessageJSON(m notify.Message) messageJSON {
	out := messageJSON{
		ID: m.ID, To: m.Recipient, Template: m.Template, Body: m.Body, Urgent: m.Urgent, Status: m.Status,
		Attempts: m.Attempts, Provider: m.Provider, LastError: m.LastError, NotBefore: m.NotBefore,
		NextAttemptAt: m.NextAttemptAt, CreatedAt: m.CreatedAt, SentAt: m.SentAt, DeliveredAt: m.DeliveredAt,
	}
	if m.ProviderMessageID != nil {
		out.ProviderMessageID = *m.ProviderMessageID
	}
	if m.Data.Code != "" {
		// A code not yet sent is still live: nobody but its owner sees it.
		out.Body = strings.ReplaceAll(out.Body, m.Data.Code, "(code hidden)")
	}
	return out
}

// listMessages shows the outbox, newest first.
func (s *Server) listMessages(c *fiber.Ctx) error {
	var f apperr.Fields
	page := pageRequest(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.deps.Notify.Messages(c.UserContext(), notify.MessageFilter{
		To: c.Query("to"), Status: c.Query("status"), Template: c.Query("template"), Page: page,
	})
	if err != nil {
		return err
	}
	out := messageList{Items: make([]messageJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, m := range got.Items {
		out.Items[i] = toMessageJSON(m)
	}
	return c.JSON(out)
}

func (s *Server) showMessage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return notify.ErrMessageNotFound
	}
	m, err := s.deps.Notify.Message(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toMessageJSON(m))
}
