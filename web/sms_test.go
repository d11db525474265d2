package web_test

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/twiliosms"
	"github.com/respite-uk/respite/twiliosms/twiliotest"
	"github.com/respite-uk/respite/web"
)

const publicURL = "https://respite.example.org"

func withTwilio(d *web.Deps) {
	d.Signatures = twiliosms.NewSignatureChecker(twiliotest.AuthToken)
	d.PublicURL = publicURL
}

// postWebhook sends a form the way Twilio does, signed with sign (or
// unsigned when sign is "").
func (s *testServer) postWebhook(t *testing.T, path string, form map[string]string, signature string) response {
	t.Helper()
	values := url.Values{}
	for k, v := range form {
		values.Set(k, v)
	}
	req := httptest.NewRequest("POST", path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	resp, err := s.App().Test(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func signed(path string, form map[string]string) string {
	return twiliotest.Sign(twiliotest.AuthToken, publicURL+path, form)
}

func TestWebhooks_Signatures(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t), withTwilio)
	form := map[string]string{"MessageSid": "SM00000000000000000000000000000001", "From": "+447700900123", "Body": "STOP", "To": "+447700900999"}
	path := "/webhooks/twilio/inbound"

	s.postWebhook(t, path, form, "").problem(t, 403)
	s.postWebhook(t, path, form, "bm90IGEgc2lnbmF0dXJl").problem(t, 403)
	// Signed for another address: RESPITE_PUBLIC_URL must be what Twilio calls.
	s.postWebhook(t, path, form, twiliotest.Sign(twiliotest.AuthToken, "https://elsewhere.example"+path, form)).problem(t, 403)
	tampered := map[string]string{"MessageSid": "SM00000000000000000000000000000001", "From": "+447700900124", "Body": "STOP", "To": "+447700900999"}
	s.postWebhook(t, path, tampered, signed(path, form)).problem(t, 403)
	if out, _ := s.notify.IsOptedOut(context.Background(), "+447700900123"); out {
		t.Fatal("an unsigned request changed something")
	}

	r := s.postWebhook(t, path, form, signed(path, form))
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "xml") || !strings.Contains(string(r.body), "<Response></Response>") {
		t.Errorf("signed STOP = %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if out, _ := s.notify.IsOptedOut(context.Background(), "+447700900123"); !out {
		t.Error("signed STOP did not opt the number out")
	}

	t.Run("off without an auth token", func(t *testing.T) {
		off := newTestServer(t, dbtest.SQLite(t))
		p := off.postWebhook(t, path, form, signed(path, form)).problem(t, 403)
		if !strings.Contains(p.Detail, "TWILIO_AUTH_TOKEN") {
			t.Errorf("detail %q should say how to turn webhooks on", p.Detail)
		}
	})
}

func TestWebhooks_InboundHelp(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t), withTwilio)
	form := map[string]string{"MessageSid": "SM00000000000000000000000000000002", "From": "+447700900123", "Body": "HELP"}
	r := s.postWebhook(t, "/webhooks/twilio/inbound", form, signed("/webhooks/twilio/inbound", form))
	if r.status != 200 || !strings.Contains(string(r.body), "<Message>Leeds Carers Respite: for help, call 0113 496 0000.") {
		t.Errorf("HELP = %d %s", r.status, r.body)
	}
}

func TestWebhooks_DeliveryReceipts(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db, withTwilio)
		ctx := context.Background()
		if err := s.notify.Enqueue(ctx, db, notify.Outgoing{DedupeKey: "k", To: "07700 900123", Template: notify.TemplateSignInCode, Data: notify.Data{Code: "123456"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.notify.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		var m notify.Message
		db.NewSelect().Model(&m).Where("dedupe_key = 'k'").Scan(ctx)
		// The callback URL names the outbox message, as the Twilio sender
		// asks; Twilio's signature covers it.
		path := "/webhooks/twilio/status?outbox=" + strconv.FormatInt(m.ID, 10)
		// Twilio retries a callback it thinks failed, and anyone holding
		// one can replay it: the repeats change nothing.
		for _, status := range []string{"sent", "delivered", "sent", "delivered", "delivered"} {
			form := map[string]string{"MessageSid": *m.ProviderMessageID, "MessageStatus": status, "AccountSid": twiliotest.AccountSID}
			if r := s.postWebhook(t, path, form, signed(path, form)); r.status != 204 {
				t.Fatalf("receipt %s = %d %s", status, r.status, r.body)
			}
		}
		db.NewSelect().Model(&m).Where("dedupe_key = 'k'").Scan(ctx)
		if m.Status != notify.StatusDelivered {
			t.Errorf("after sent, delivered and replays: %s, want delivered", m.Status)
		}
		if n, _ := db.NewSelect().Table("sms_receipts").Where("provider_message_id = ?", *m.ProviderMessageID).Count(ctx); n != 2 {
			t.Errorf("%d receipts stored, want 2 (sent and delivered, once each)", n)
		}
		// The outbox id is signed: moving it to another message breaks the
		// signature.
		form := map[string]string{"MessageSid": *m.ProviderMessageID, "MessageStatus": "delivered"}
		s.postWebhook(t, "/webhooks/twilio/status?outbox=999", form, signed(path, form)).problem(t, 403)
	})
}

func TestWebhooks_ReplayedInboundTextIsIgnored(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db, withTwilio)
		yes := 0
		s.notify.SetInboundHook(func(ctx context.Context, from, body string) (string, bool, error) {
			yes++
			return "Thanks, your calendar is confirmed.", true, nil
		})
		path := "/webhooks/twilio/inbound"
		post := func(sid, body string) string {
			t.Helper()
			form := map[string]string{"MessageSid": sid, "From": "+447700900123", "To": "+447700900999", "Body": body}
			r := s.postWebhook(t, path, form, signed(path, form))
			if r.status != 200 {
				t.Fatalf("%s %s = %d %s", sid, body, r.status, r.body)
			}
			return string(r.body)
		}
		if body := post("SM00000000000000000000000000000010", "YES"); !strings.Contains(body, "calendar is confirmed") || yes != 1 {
			t.Fatalf("YES = %s, counted %d", body, yes)
		}
		if body := post("SM00000000000000000000000000000010", "YES"); strings.Contains(body, "<Message>") || yes != 1 {
			t.Errorf("the YES replayed = %s, counted %d; want no reply and counted once", body, yes)
		}
		post("SM00000000000000000000000000000011", "STOP")
		post("SM00000000000000000000000000000012", "START")
		post("SM00000000000000000000000000000011", "STOP")
		if out, _ := s.notify.IsOptedOut(context.Background(), "+447700900123"); out {
			t.Error("a replayed STOP opted the number out again after START")
		}
		form := map[string]string{"From": "+447700900123", "Body": "YES"}
		p := s.postWebhook(t, path, form, signed(path, form)).problem(t, 422)
		if diff := cmp.Diff([]string{"MessageSid"}, fieldNames(p)); diff != "" || yes != 1 {
			t.Errorf("a text without MessageSid (-want +got):\n%s (counted %d)", diff, yes)
		}
		// Whatever a phone sends is taken as plain text: a NUL or bytes that
		// are not UTF-8 become spaces, never a 500 to Twilio.
		if body := post("SM00000000000000000000000000000013", "YE\x00S \xff"); !strings.Contains(body, "calendar is confirmed") || yes != 2 {
			t.Errorf("a text with a NUL = %s, counted %d", body, yes)
		}
	})
}

func TestMessagesAPI(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	admin, duty := s.signIn(t, "admin"), s.signIn(t, "duty")
	ctx := context.Background()
	for i, to := range []string{"07700 900121", "07700 900122", "07700 900123"} {
		out := notify.Outgoing{DedupeKey: "code:" + to, To: to, Template: notify.TemplateSignInCode, Data: notify.Data{Code: "00000" + strconv.Itoa(i+1)}}
		if err := s.notify.Enqueue(ctx, s.db, out); err != nil {
			t.Fatal(err)
		}
	}
	s.notify.Dispatch(ctx)

	r := s.do(t, request{method: "GET", path: "/api/v1/messages?limit=2", token: admin})
	page := r.json(t)
	items := page["items"].([]any)
	if r.status != 200 || len(items) != 2 || page["next_cursor"] == nil {
		t.Fatalf("messages = %d %s", r.status, r.body)
	}
	first := items[0].(map[string]any)
	if first["to"] != "+447700900123" || first["status"] != "sent" || strings.Contains(first["body"].(string), "000003") || !strings.Contains(first["body"].(string), "(code hidden)") {
		t.Errorf("newest message = %v; want it listed with its sign-in code hidden", first)
	}
	r = s.do(t, request{method: "GET", path: "/api/v1/messages?cursor=" + page["next_cursor"].(string), token: admin})
	if n := len(r.json(t)["items"].([]any)); n != 1 {
		t.Errorf("second page has %d, want 1", n)
	}
	r = s.do(t, request{method: "GET", path: "/api/v1/messages?to=07700%20900122", token: admin})
	if items := r.json(t)["items"].([]any); len(items) != 1 {
		t.Errorf("filtered by number: %d", len(items))
	}
	p := s.do(t, request{method: "GET", path: "/api/v1/messages?status=lost&to=nope", token: admin}).problem(t, 422)
	if diff := cmp.Diff([]string{"to", "status"}, fieldNames(p)); diff != "" {
		t.Errorf("bad filters (-want +got):\n%s", diff)
	}
	s.do(t, request{method: "GET", path: "/api/v1/messages", token: duty}).problem(t, 403)
	id := int64(first["id"].(float64))
	if r := s.do(t, request{method: "GET", path: "/api/v1/messages/" + strconv.FormatInt(id, 10), token: admin}); r.status != 200 {
		t.Errorf("one message = %d", r.status)
	}
	s.do(t, request{method: "GET", path: "/api/v1/messages/99999", token: admin}).problem(t, 404)
}
