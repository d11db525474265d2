package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

func hostBody(name, mobile string) map[string]any {
	return map[string]any{
		"name": name, "mobile": mobile, "postcode": "ls8 2pq", "latitude": 53.8270, "longitude": -1.5100, "capacity": 2,
		"skills": []string{"dementia", "medication"}, "offers": []string{"short_break", "emergency"},
		"home_facts": []string{"pets"}, "age_groups": []string{"adults"}, "staff_notes": "Dog is friendly; check allergies.",
	}
}

// hostSession starts a host's session directly, as SMS sign-in would.
func (s *testServer) hostSession(t *testing.T, hostID int64) string {
	t.Helper()
	token, _, err := s.accounts.StartSession(context.Background(), s.db, accounts.SubjectHost, hostID)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestHostsAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin, duty, coordinator := s.signIn(t, "admin"), s.signIn(t, "duty"), s.signIn(t, "coordinator")
		carerToken := s.signInAsCarer(t, 1)
		today := calendar.Today(calendar.SystemClock)

		r := s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody(" Sue Miller ", "07700 900301")})
		sueID := createdID(t, r)
		if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/hosts/%d", sueID) {
			t.Errorf("Location = %q", loc)
		}
		sue := r.json(t)
		want := map[string]any{
			"name": "Sue Miller", "mobile": "+447700900301", "mobile_display": "07700 900301", "postcode": "LS8 2PQ",
			"capacity": float64(2), "status": "applicant", "staff_notes": "Dog is friendly; check allergies.",
			"approved_on": nil, "review_due": nil, "bookable": false, "availability_confirmed_at": nil, "availability_stale": true,
		}
		for k, v := range want {
			if got, ok := sue[k]; !ok || got != v {
				t.Errorf("created %s = %v, want %v", k, got, v)
			}
		}
		rajID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: admin, body: hostBody("Raj Shah", "07700 900302")}))
		sueToken, rajToken := s.hostSession(t, sueID), s.hostSession(t, rajID)
		suePath, rajPath := fmt.Sprintf("/api/v1/hosts/%d", sueID), fmt.Sprintf("/api/v1/hosts/%d", rajID)

		t.Run("every bad field at once, nothing written", func(t *testing.T) {
			bad := map[string]any{
				"name": "", "mobile": "0113 496 0000", "postcode": "XX", "latitude": 100, "capacity": 9,
				"skills": []string{"juggling"}, "offers": []string{}, "age_groups": []string{"adults", "adults"},
			}
			p := s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: bad}).problem(t, 422)
			want := []string{"name", "mobile", "postcode", "latitude", "longitude", "capacity", "skills[0]", "offers", "age_groups[1]"}
			if diff := cmp.Diff(want, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			p = s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: map[string]any{"capacity": "two"}}).problem(t, 422)
			if diff := cmp.Diff([]string{"capacity"}, fieldNames(p)); diff != "" {
				t.Errorf("wrong type (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Twin", "+44 7700 900301")}).problem(t, 409)
			if n := tableCount(t, db, "hosts"); n != 2 {
				t.Errorf("hosts = %d, want 2", n)
			}
		})

		t.Run("only coordinators and administrators add hosts", func(t *testing.T) {
			for who, token := range map[string]string{"duty": duty, "a host": sueToken, "a carer": carerToken} {
				s.do(t, request{method: "POST", path: "/api/v1/hosts", token: token, body: hostBody("X", "07700 900309")}).problem(t, 403)
				_ = who
			}
			s.do(t, request{method: "POST", path: "/api/v1/hosts", body: hostBody("X", "07700 900309")}).problem(t, 401)
			if n := tableCount(t, db, "hosts"); n != 2 {
				t.Errorf("hosts = %d, want 2", n)
			}
		})

		t.Run("approve", func(t *testing.T) {
			r := s.do(t, request{method: "POST", path: suePath + "/approve", token: coordinator})
			got := r.json(t)
			wantDue := calendar.Of(today.StartIn(time.UTC).AddDate(0, 12, 0)).String()
			if r.status != 200 || got["status"] != "approved" || got["approved_on"] != today.String() || got["review_due"] != wantDue || got["bookable"] != true {
				t.Errorf("approve = %d %s; want approved today, review due %s", r.status, r.body, wantDue)
			}
			p := s.do(t, request{method: "POST", path: suePath + "/approve", token: admin}).problem(t, 409)
			if p.Detail != "Only applicants and suspended hosts can be approved; this host is already approved." {
				t.Errorf("approving twice: %q", p.Detail)
			}
			p = s.do(t, request{method: "POST", path: rajPath + "/approve", token: coordinator, body: map[string]any{"on": "2026-02-30"}}).problem(t, 422)
			if diff := cmp.Diff([]string{"on"}, fieldNames(p)); diff != "" {
				t.Errorf("impossible date (-want +got):\n%s", diff)
			}
			if got := s.do(t, request{method: "GET", path: rajPath, token: coordinator}).json(t); got["status"] != "applicant" {
				t.Errorf("an unreadable date approved Raj: %v", got["status"])
			}
			yesterday := today.AddDays(-1).String()
			r = s.do(t, request{method: "POST", path: rajPath + "/approve", token: admin, body: map[string]any{"on": yesterday}})
			if got := r.json(t); r.status != 200 || got["approved_on"] != yesterday {
				t.Errorf("approve from yesterday = %d %s", r.status, r.body)
			}
			s.do(t, request{method: "POST", path: "/api/v1/hosts/999999/approve", token: coordinator}).problem(t, 404)
			s.do(t, request{method: "POST", path: suePath + "/approve", token: sueToken}).problem(t, 403)
			s.do(t, request{method: "POST", path: suePath + "/approve", token: duty}).problem(t, 403)
		})

		t.Run("read", func(t *testing.T) {
			for who, token := range map[string]string{"duty": duty, "admin": admin, "coordinator": coordinator} {
				r := s.do(t, request{method: "GET", path: suePath, token: token})
				if r.status != 200 || r.json(t)["staff_notes"] != "Dog is friendly; check allergies." {
					t.Errorf("%s: show = %d %s", who, r.status, r.body)
				}
			}
			r := s.do(t, request{method: "GET", path: suePath, token: sueToken})
			if r.status != 200 || r.json(t)["name"] != "Sue Miller" || r.json(t)["status"] != "approved" {
				t.Errorf("the host themself: %d %s", r.status, r.body)
			}
			if strings.Contains(string(r.body), "staff_notes") || strings.Contains(string(r.body), "allergies") {
				t.Errorf("a host was shown staff notes: %s", r.body)
			}
			// Another host's record and one that does not exist get the same answer.
			other := s.do(t, request{method: "GET", path: rajPath, token: sueToken}).problem(t, 404)
			missing := s.do(t, request{method: "GET", path: "/api/v1/hosts/999999", token: sueToken}).problem(t, 404)
			if other.Detail != missing.Detail {
				t.Errorf("another host's record: %q; a missing one: %q", other.Detail, missing.Detail)
			}
			s.do(t, request{method: "GET", path: "/api/v1/hosts/not-a-number", token: duty}).problem(t, 404)
			s.do(t, request{method: "GET", path: suePath, token: carerToken}).problem(t, 403)
		})

		t.Run("list", func(t *testing.T) {
			names := func(path, token string) []string {
				t.Helper()
				r := s.do(t, request{method: "GET", path: path, token: token})
				if r.status != 200 {
					t.Fatalf("GET %s = %d %s", path, r.status, r.body)
				}
				out := []string{}
				for _, it := range r.json(t)["items"].([]any) {
					out = append(out, it.(map[string]any)["name"].(string))
				}
				return out
			}
			if diff := cmp.Diff([]string{"Sue Miller", "Raj Shah"}, names("/api/v1/hosts", duty)); diff != "" {
				t.Errorf("all (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Raj Shah"}, names("/api/v1/hosts?q=SHAH", coordinator)); diff != "" {
				t.Errorf("q=SHAH (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Sue Miller"}, names("/api/v1/hosts?limit=1", coordinator)); diff != "" {
				t.Errorf("limit=1 (-want +got):\n%s", diff)
			}
			// Raj was approved yesterday, so his review falls due a day before Sue's.
			rajDue := calendar.Of(today.AddDays(-1).StartIn(time.UTC).AddDate(0, 12, 0))
			if diff := cmp.Diff([]string{"Raj Shah"}, names("/api/v1/hosts?reviews_due_by="+rajDue.String(), coordinator)); diff != "" {
				t.Errorf("reviews due by %s (-want +got):\n%s", rajDue, diff)
			}
			if diff := cmp.Diff([]string{}, names("/api/v1/hosts?status=applicant", coordinator)); diff != "" {
				t.Errorf("applicants (-want +got):\n%s", diff)
			}
			p := s.do(t, request{method: "GET", path: "/api/v1/hosts?status=retired&reviews_due_by=soon&limit=0", token: coordinator}).problem(t, 422)
			if diff := cmp.Diff([]string{"limit", "reviews_due_by"}, fieldNames(p)); diff != "" {
				t.Errorf("bad query (-want +got):\n%s", diff)
			}
			p = s.do(t, request{method: "GET", path: "/api/v1/hosts?status=retired", token: coordinator}).problem(t, 422)
			if diff := cmp.Diff([]string{"status"}, fieldNames(p)); diff != "" {
				t.Errorf("bad status (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "GET", path: "/api/v1/hosts", token: sueToken}).problem(t, 403)
			s.do(t, request{method: "GET", path: "/api/v1/hosts", token: carerToken}).problem(t, 403)
		})

		t.Run("patch", func(t *testing.T) {
			r := s.do(t, request{method: "PATCH", path: suePath, token: coordinator, body: map[string]any{"capacity": 3, "home_facts": []string{}}})
			if got := r.json(t); r.status != 200 || got["capacity"] != float64(3) || len(got["home_facts"].([]any)) != 0 || got["name"] != "Sue Miller" {
				t.Errorf("patch = %d %s", r.status, r.body)
			}
			p := s.do(t, request{method: "PATCH", path: suePath, token: coordinator, body: map[string]any{"capacity": 0, "offers": []string{"holiday"}}}).problem(t, 422)
			if diff := cmp.Diff([]string{"capacity", "offers[0]"}, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "PATCH", path: suePath, token: coordinator, body: map[string]any{"mobile": "07700 900302"}}).problem(t, 409)
			s.do(t, request{method: "PATCH", path: suePath, token: coordinator, body: map[string]any{"status": "approved"}}).problem(t, 422)
			s.do(t, request{method: "PATCH", path: suePath, token: sueToken, body: map[string]any{"capacity": 6}}).problem(t, 403)
			s.do(t, request{method: "PATCH", path: suePath, token: duty, body: map[string]any{"capacity": 6}}).problem(t, 403)
			s.do(t, request{method: "PATCH", path: "/api/v1/hosts/999999", token: admin, body: map[string]any{"capacity": 1}}).problem(t, 404)
			if got := s.do(t, request{method: "GET", path: suePath, token: duty}).json(t); got["capacity"] != float64(3) {
				t.Errorf("after refused patches: %v", got)
			}
		})

		t.Run("availability", func(t *testing.T) {
			path := suePath + "/availability"
			r := s.do(t, request{method: "GET", path: path, token: sueToken})
			if got := r.json(t); r.status != 200 || !strings.Contains(string(r.body), `"ranges":[]`) || got["confirmed_at"] != nil || got["stale"] != true {
				t.Errorf("empty calendar = %d %s", r.status, r.body)
			}
			later, soon := []string{today.AddDays(40).String(), today.AddDays(60).String()}, []string{today.String(), today.AddDays(14).String()}
			body := map[string]any{"ranges": []map[string]string{
				{"starts_on": later[0], "ends_on": later[1]}, {"starts_on": soon[0], "ends_on": soon[1]},
			}}
			r = s.do(t, request{method: "PUT", path: path, token: sueToken, body: body})
			got := r.json(t)
			if r.status != 200 || got["confirmed_at"] == nil || got["stale"] != false {
				t.Fatalf("PUT = %d %s", r.status, r.body)
			}
			wantRanges := []any{
				map[string]any{"starts_on": soon[0], "ends_on": soon[1]},
				map[string]any{"starts_on": later[0], "ends_on": later[1]},
			}
			if diff := cmp.Diff(wantRanges, got["ranges"]); diff != "" {
				t.Errorf("ranges, in date order (-want +got):\n%s", diff)
			}
			confirmed, err := time.Parse(time.RFC3339Nano, got["confirmed_at"].(string))
			if err != nil || time.Since(confirmed) > time.Minute {
				t.Errorf("confirmed_at = %v, want just now", got["confirmed_at"])
			}
			if host := s.do(t, request{method: "GET", path: suePath, token: sueToken}).json(t); host["availability_stale"] != false || host["availability_confirmed_at"] != got["confirmed_at"] {
				t.Errorf("host after confirming: %v", host)
			}
			for who, token := range map[string]string{"duty": duty, "coordinator": coordinator} {
				if r := s.do(t, request{method: "GET", path: path, token: token}); r.status != 200 || len(r.json(t)["ranges"].([]any)) != 2 {
					t.Errorf("%s reads = %d %s", who, r.status, r.body)
				}
			}

			bad := map[string]any{"ranges": []map[string]string{
				{"starts_on": today.AddDays(5).String(), "ends_on": today.AddDays(3).String()},
				{"starts_on": "2027-02-30", "ends_on": today.AddDays(9).String()},
				{"starts_on": today.AddDays(-10).String(), "ends_on": today.AddDays(-1).String()},
				{"starts_on": today.AddDays(10).String(), "ends_on": today.AddDays(600).String()},
				{"starts_on": today.AddDays(7).String(), "ends_on": today.AddDays(8).String()},
				{"starts_on": today.AddDays(8).String(), "ends_on": today.AddDays(20).String()},
			}}
			p := s.do(t, request{method: "PUT", path: path, token: coordinator, body: bad}).problem(t, 422)
			want := []string{"ranges[0].ends_on", "ranges[2].ends_on", "ranges[3].ends_on", "ranges[5]", "ranges[1].starts_on"}
			if diff := cmp.Diff(want, fieldNames(p)); diff != "" {
				t.Errorf("bad ranges (-want +got):\n%s", diff)
			}
			for _, e := range p.Errors {
				if e.Field == "ranges[1].starts_on" && !strings.Contains(e.Message, "2027-02-30") {
					t.Errorf("ranges[1].starts_on message %q should quote the impossible date", e.Message)
				}
			}
			p = s.do(t, request{method: "PUT", path: path, token: sueToken, body: map[string]any{}}).problem(t, 422)
			if diff := cmp.Diff([]string{"ranges"}, fieldNames(p)); diff != "" {
				t.Errorf("ranges left out (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "PUT", path: path, token: duty, body: body}).problem(t, 403)
			s.do(t, request{method: "PUT", path: path, token: carerToken, body: body}).problem(t, 403)
			s.do(t, request{method: "GET", path: path, token: carerToken}).problem(t, 403)
			if got := s.do(t, request{method: "GET", path: path, token: sueToken}).json(t); len(got["ranges"].([]any)) != 2 {
				t.Errorf("refused changes changed the calendar: %v", got)
			}

			r = s.do(t, request{method: "PUT", path: path, token: coordinator, body: map[string]any{"ranges": []any{}}})
			if r.status != 200 || !strings.Contains(string(r.body), `"ranges":[]`) {
				t.Errorf("clearing = %d %s", r.status, r.body)
			}
		})

		t.Run("guests", func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			carer := booking.Carer{Name: "Pat Jones", Mobile: "+447700900310", Postcode: "LS6 2AB", Latitude: 53.8, Longitude: -1.5,
				AllowanceNights: 28, AllowanceYearStarts: today.AddDays(-30), CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(&carer).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			frank := booking.Person{CarerID: carer.ID, Name: "Frank Albert Jones", DateOfBirth: calendar.Date{Year: 1941, Month: 5, Day: 2},
				Needs: []string{"dementia"}, Requirements: []string{"ground_floor"}, StaffNotes: "Wanders at night.", CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(&frank).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for i, hostID := range []int64{sueID, rajID} {
				arrive := today.AddDays(10 + i*10)
				b := booking.Booking{
					Reference: fmt.Sprintf("WEB-%d", i), Status: booking.StatusConfirmed, Kind: booking.KindPlanned, PersonID: frank.ID,
					CarerID: carer.ID, PlaceKind: booking.PlaceHost, PlaceID: hostID, Arrive: arrive, Depart: arrive.AddDays(3), Nights: 3,
					CreatedByKind: "staff", CreatedByID: 1, CreatedAt: now, UpdatedAt: now,
				}
				if _, err := db.NewInsert().Model(&b).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			r := s.do(t, request{method: "GET", path: suePath + "/guests", token: sueToken})
			if r.status != 200 {
				t.Fatalf("guests = %d %s", r.status, r.body)
			}
			items := r.json(t)["items"].([]any)
			wantGuest := map[string]any{
				"booking_reference": "WEB-0", "first_name": "Frank", "arrive": today.AddDays(10).String(), "depart": today.AddDays(13).String(),
				"nights": float64(3), "needs": []any{"dementia"}, "requirements": []any{"ground_floor"},
			}
			if len(items) != 1 {
				t.Fatalf("guests = %s, want Frank's stay only", r.body)
			}
			if diff := cmp.Diff(wantGuest, items[0]); diff != "" {
				t.Errorf("guest (-want +got):\n%s", diff)
			}
			for _, secret := range []string{"Albert", "Jones", "Wanders"} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("a host was shown %q: %s", secret, r.body)
				}
			}
			if r := s.do(t, request{method: "GET", path: rajPath + "/guests", token: duty}); r.status != 200 || !strings.Contains(string(r.body), "WEB-1") {
				t.Errorf("duty reads Raj's guests = %d %s", r.status, r.body)
			}
			s.do(t, request{method: "GET", path: suePath + "/guests", token: carerToken}).problem(t, 403)
			s.do(t, request{method: "GET", path: "/api/v1/hosts/999999/guests", token: coordinator}).problem(t, 404)
		})

		t.Run("a host can never read or change another host's calendar or guests", func(t *testing.T) {
			rajCalendar := map[string]any{"ranges": []map[string]string{{"starts_on": today.AddDays(3).String(), "ends_on": today.AddDays(9).String()}}}
			if r := s.do(t, request{method: "PUT", path: rajPath + "/availability", token: rajToken, body: rajCalendar}); r.status != 200 {
				t.Fatalf("Raj sets his own calendar = %d %s", r.status, r.body)
			}
			before := s.do(t, request{method: "GET", path: rajPath + "/availability", token: coordinator}).body

			notFound := s.do(t, request{method: "GET", path: "/api/v1/hosts/999999/availability", token: sueToken}).problem(t, 404)
			for _, r := range []request{
				{method: "GET", path: rajPath + "/availability", token: sueToken},
				{method: "PUT", path: rajPath + "/availability", token: sueToken, body: map[string]any{"ranges": []any{}}},
				{method: "PUT", path: rajPath + "/availability", token: sueToken, body: rajCalendar},
				{method: "GET", path: rajPath + "/guests", token: sueToken},
				{method: "GET", path: suePath + "/availability", token: rajToken},
				{method: "GET", path: suePath + "/guests", token: rajToken},
			} {
				p := s.do(t, r).problem(t, 404)
				if p.Detail != notFound.Detail {
					t.Errorf("%s %s: %q, want the same answer as for a host that does not exist", r.method, r.path, p.Detail)
				}
			}
			// And nothing else of another host's, or their own record.
			for _, r := range []request{
				{method: "PATCH", path: rajPath, token: sueToken, body: map[string]any{"capacity": 1}},
				{method: "POST", path: rajPath + "/suspend", token: sueToken, body: map[string]any{"reason": "x"}},
				{method: "POST", path: rajPath + "/leave", token: sueToken},
				{method: "POST", path: suePath + "/leave", token: sueToken},
			} {
				s.do(t, r).problem(t, 403)
			}
			if after := s.do(t, request{method: "GET", path: rajPath + "/availability", token: coordinator}).body; string(after) != string(before) {
				t.Errorf("Raj's calendar changed: %s, was %s", after, before)
			}
		})

		t.Run("suspend and leave", func(t *testing.T) {
			p := s.do(t, request{method: "POST", path: rajPath + "/suspend", token: coordinator, body: map[string]any{"reason": " "}}).problem(t, 422)
			if diff := cmp.Diff([]string{"reason"}, fieldNames(p)); diff != "" {
				t.Errorf("no reason (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "POST", path: rajPath + "/suspend", token: coordinator}).problem(t, 415)
			r := s.do(t, request{method: "POST", path: rajPath + "/suspend", token: coordinator, body: map[string]any{"reason": "Moving house."}})
			if got := r.json(t); r.status != 200 || got["status"] != "suspended" || got["bookable"] != false || !strings.Contains(got["staff_notes"].(string), "Moving house.") {
				t.Errorf("suspend = %d %s", r.status, r.body)
			}
			if r := s.do(t, request{method: "GET", path: rajPath, token: rajToken}); strings.Contains(string(r.body), "Moving house") {
				t.Errorf("a host was shown why they were suspended: %s", r.body)
			}
			s.do(t, request{method: "POST", path: rajPath + "/suspend", token: coordinator, body: map[string]any{"reason": "Again."}}).problem(t, 409)
			s.do(t, request{method: "POST", path: rajPath + "/suspend", token: duty, body: map[string]any{"reason": "x"}}).problem(t, 403)

			r = s.do(t, request{method: "POST", path: rajPath + "/leave", token: admin})
			if r.status != 200 || r.json(t)["status"] != "left" {
				t.Errorf("leave = %d %s", r.status, r.body)
			}
			p = s.do(t, request{method: "POST", path: rajPath + "/approve", token: coordinator}).problem(t, 409)
			if p.Detail != "Only applicants and suspended hosts can be approved; this host has left." {
				t.Errorf("approving a host who has left: %q", p.Detail)
			}
			s.do(t, request{method: "POST", path: rajPath + "/leave", token: coordinator}).problem(t, 409)
			s.do(t, request{method: "PUT", path: rajPath + "/availability", token: rajToken, body: map[string]any{"ranges": []any{}}}).problem(t, 409)
			s.do(t, request{method: "POST", path: "/api/v1/hosts/999999/leave", token: coordinator}).problem(t, 404)
		})
	})
}

// TestHostCalendarRangesAPI: a host adds and takes out single ranges of
// dates, besides replacing the calendar whole; taking out a night a guest
// is booked on is refused naming the stay; and a host's capacity cannot go
// below the guests booked on a night.
func TestHostCalendarRangesAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		ctx := context.Background()
		coordinator, duty := s.signIn(t, "coordinator"), s.signIn(t, "duty")
		today := calendar.Today(calendar.SystemClock)
		day := func(n int) string { return today.AddDays(n).String() }
		sueID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Sue Miller", "07700 900321")}))
		rajID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Raj Shah", "07700 900322")}))
		sueToken, rajToken := s.hostSession(t, sueID), s.hostSession(t, rajID)
		calendarPath := fmt.Sprintf("/api/v1/hosts/%d/availability", sueID)
		ranges := func(t *testing.T, r response) []string {
			t.Helper()
			if r.status != 200 {
				t.Fatalf("calendar change = %d %s", r.status, r.body)
			}
			out := []string{}
			for _, it := range r.json(t)["ranges"].([]any) {
				m := it.(map[string]any)
				out = append(out, m["starts_on"].(string)+".."+m["ends_on"].(string))
			}
			return out
		}

		got := ranges(t, s.do(t, request{method: "POST", path: calendarPath, token: sueToken, body: map[string]any{"from": day(5), "to": day(15)}}))
		if want := []string{day(5) + ".." + day(15)}; !cmp.Equal(got, want) {
			t.Errorf("after adding = %v, want %v", got, want)
		}
		got = ranges(t, s.do(t, request{method: "POST", path: calendarPath, token: coordinator, body: map[string]any{"from": day(16), "to": day(20)}}))
		if want := []string{day(5) + ".." + day(20)}; !cmp.Equal(got, want) {
			t.Errorf("a range running on from another joins it: %v, want %v", got, want)
		}
		got = ranges(t, s.do(t, request{method: "DELETE", path: calendarPath + "?from=" + day(10) + "&to=" + day(10), token: sueToken}))
		if want := []string{day(5) + ".." + day(9), day(11) + ".." + day(20)}; !cmp.Equal(got, want) {
			t.Errorf("after taking out one night = %v, want %v", got, want)
		}
		p := s.do(t, request{method: "POST", path: calendarPath, token: sueToken, body: map[string]any{"from": "next week"}}).problem(t, 422)
		if diff := cmp.Diff([]string{"to", "from"}, fieldNames(p)); diff != "" {
			t.Errorf("bad dates (-want +got):\n%s", diff)
		}
		s.do(t, request{method: "DELETE", path: calendarPath + "?from=" + day(6), token: sueToken}).problem(t, 422)
		s.do(t, request{method: "POST", path: calendarPath, token: rajToken, body: map[string]any{"from": day(5), "to": day(6)}}).problem(t, 404)
		s.do(t, request{method: "DELETE", path: calendarPath + "?from=" + day(5) + "&to=" + day(6), token: duty}).problem(t, 403)

		// Frank and then Joan are booked with Sue, both on the night of day 13.
		now := time.Now().UTC()
		carer := booking.Carer{Name: "Pat Jones", Mobile: "+447700900311", Postcode: "LS6 2AB", Latitude: 53.8, Longitude: -1.5,
			AllowanceNights: 28, AllowanceYearStarts: today.AddDays(-30), CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(&carer).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"Frank Jones", "Joan Jones"} {
			person := booking.Person{CarerID: carer.ID, Name: name, DateOfBirth: calendar.Date{Year: 1941, Month: 5, Day: 2},
				Needs: []string{}, Requirements: []string{}, CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(&person).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			arrive := today.AddDays(12 + i)
			b := booking.Booking{Reference: fmt.Sprintf("CAL-%d", i), Status: booking.StatusConfirmed, Kind: booking.KindPlanned, PersonID: person.ID,
				CarerID: carer.ID, PlaceKind: booking.PlaceHost, PlaceID: sueID, Arrive: arrive, Depart: arrive.AddDays(2), Nights: 2,
				CreatedByKind: "staff", CreatedByID: 1, CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(&b).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for n := range 2 {
				night := booking.Night{PlaceKind: booking.PlaceHost, PlaceID: sueID, Night: arrive.AddDays(n), Slot: i, BookingID: b.ID, PersonID: person.ID}
				if _, err := db.NewInsert().Model(&night).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		p = s.do(t, request{method: "DELETE", path: calendarPath + "?from=" + day(12) + "&to=" + day(12), token: sueToken}).problem(t, 409)
		if !strings.Contains(p.Detail, "Frank is staying with you") || !strings.Contains(p.Detail, "(booking CAL-0)") {
			t.Errorf("taking out a booked night: %q", p.Detail)
		}
		if got := ranges(t, s.do(t, request{method: "GET", path: calendarPath, token: sueToken})); len(got) != 2 {
			t.Errorf("a refused change changed the calendar: %v", got)
		}

		p = s.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/hosts/%d", sueID), token: coordinator, body: map[string]any{"capacity": 1}}).problem(t, 409)
		if want := "2 guests are booked to stay with this host on " + today.AddDays(13).Long() + " (bookings CAL-0, CAL-1), so their capacity cannot go below 2. Move or cancel a stay first."; p.Detail != want {
			t.Errorf("lowering the capacity:\n got %q\nwant %q", p.Detail, want)
		}
	})
}
