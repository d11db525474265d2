package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/web"
)

func TestReportsAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		svc := reports.NewService(db, nil)
		s := newTestServer(t, db, func(d *web.Deps) { d.Reports = svc })
		w := newBookingWorld(t, s)
		ctx := context.Background()
		alice := accounts.Principal{Kind: accounts.SubjectCarer, ID: w.alice.ID}
		arrive, _ := calendar.Parse(w.arrive)
		depart, _ := calendar.Parse(w.depart)
		h, err := s.booking.CreateHold(ctx, alice, booking.HoldRequest{PersonID: w.mum.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: w.beds[0].ID}, Arrive: arrive, Depart: depart})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := s.booking.Confirm(ctx, alice, h.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		got := arrive.AddDays(3).StartIn(calendar.London).Add(10 * time.Hour)
		if _, err := db.NewRaw("INSERT INTO stay_feedback (booking_id, carer_id, rating, comment, replies, received_at, last_reply_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			b.ID, w.alice.ID, 4, "Staff were lovely", 2, got, got).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		admin := s.signIn(t, accounts.RoleAdmin)
		from, to := arrive.AddDays(-5), arrive.AddDays(30)
		p := reports.Period{From: from, To: to}
		query := "?from=" + from.String() + "&to=" + to.String()

		t.Run("JSON is the report's header and rows", func(t *testing.T) {
			for _, name := range reports.Names {
				r := s.do(t, request{method: "GET", path: "/api/v1/reports/" + name + query, token: admin})
				if r.status != 200 {
					t.Fatalf("%s = %d %s", name, r.status, r.body)
				}
				var body struct {
					Name, From, To string
					Header         []string
					Rows           [][]string
				}
				if err := json.Unmarshal(r.body, &body); err != nil {
					t.Fatal(err)
				}
				want, err := svc.Report(ctx, name, p)
				if err != nil {
					t.Fatal(err)
				}
				if body.Name != name || body.From != from.String() || body.To != to.String() {
					t.Errorf("%s: name, from, to = %q, %q, %q", name, body.Name, body.From, body.To)
				}
				wantRows := want.Rows()
				if wantRows == nil {
					wantRows = [][]string{}
				}
				if diff := cmp.Diff(append([][]string{want.Header()}, wantRows...), append([][]string{body.Header}, body.Rows...)); diff != "" {
					t.Errorf("%s (-service +API):\n%s", name, diff)
				}
			}
		})

		t.Run("feedback counts the reply, without its words", func(t *testing.T) {
			r := s.do(t, request{method: "GET", path: "/api/v1/reports/feedback" + query, token: admin})
			if r.status != 200 {
				t.Fatalf("feedback = %d %s", r.status, r.body)
			}
			body := r.json(t)
			rows, _ := json.Marshal(body["rows"])
			want := `[["Stays with feedback","1"],["Replies","2"],["Ratings","1"],["Average rating (1 to 5)","4.0"],["Rated 1","0"],["Rated 2","0"],["Rated 3","0"],["Rated 4","1"],["Rated 5","0"],["With a comment","1"]]`
			if string(rows) != want {
				t.Errorf("rows = %s\nwant   %s", rows, want)
			}
			if bytes.Contains(r.body, []byte("lovely")) {
				t.Errorf("the report shows the comment: %s", r.body)
			}
		})

		t.Run("CSV, by Accept or format, parses back to the same table", func(t *testing.T) {
			want, err := svc.Report(ctx, "block-use", p)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []request{
				{method: "GET", path: "/api/v1/reports/block-use" + query, token: admin, headers: map[string]string{"Accept": "text/csv"}},
				{method: "GET", path: "/api/v1/reports/block-use" + query + "&format=csv", token: admin},
			} {
				resp := s.do(t, r)
				if resp.status != 200 {
					t.Fatalf("%s = %d %s", r.path, resp.status, resp.body)
				}
				if ct := resp.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
				wantCD := `attachment; filename="respite-block-use-` + from.String() + `-to-` + to.String() + `.csv"`
				if cd := resp.header.Get("Content-Disposition"); cd != wantCD {
					t.Errorf("Content-Disposition = %q, want %q", cd, wantCD)
				}
				if !strings.HasSuffix(string(resp.body), "\r\n") {
					t.Errorf("lines do not end in CRLF: %q", resp.body)
				}
				got, err := csv.NewReader(bytes.NewReader(resp.body)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(append([][]string{want.Header()}, want.Rows()...), got); diff != "" {
					t.Errorf("CSV read back (-service +CSV):\n%s", diff)
				}
				if len(got) < 2 {
					t.Errorf("CSV has no rows: %q", resp.body)
				}
			}
			// format=json wins over Accept.
			r := s.do(t, request{method: "GET", path: "/api/v1/reports/block-use" + query + "&format=json", token: admin, headers: map[string]string{"Accept": "text/csv"}})
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("format=json: Content-Type = %q", ct)
			}
		})

		t.Run("bad periods name the field", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{"from", "to"}},
				{"?from=2027-03-01", []string{"to"}},
				{"?to=2027-03-01", []string{"from"}},
				{"?from=2027-02-30&to=2027-03-01", []string{"from"}},
				{"?from=2027-03-01&to=yesterday", []string{"to"}},
				{"?from=2027-03-01&to=2027-02-01", []string{"to"}},
				{"?from=2020-01-01&to=2027-01-01", []string{"to"}},
				{"?from=2027-03-01&to=2027-03-31&format=xlsx", []string{"format"}},
				{"?from=2027-03-01&to=2027-03-31&form=csv", []string{"form"}},
			} {
				r := s.do(t, request{method: "GET", path: "/api/v1/reports/spot" + tc.query, token: admin})
				if diff := cmp.Diff(tc.want, fieldNames(r.problem(t, 422))); diff != "" {
					t.Errorf("%q: fields (-want +got):\n%s", tc.query, diff)
				}
			}
		})

		t.Run("each report is an operation that offers CSV", func(t *testing.T) {
			var doc struct {
				Paths map[string]map[string]struct {
					Parameters []struct{ Name string }
					Responses  map[string]struct {
						Content map[string]any
					}
				}
			}
			if err := json.Unmarshal(s.do(t, request{method: "GET", path: "/api/v1/openapi.json"}).body, &doc); err != nil {
				t.Fatal(err)
			}
			for _, name := range reports.Names {
				op, ok := doc.Paths["/api/v1/reports/"+name]["get"]
				if !ok {
					t.Errorf("no operation for %s", name)
					continue
				}
				var params []string
				for _, p := range op.Parameters {
					params = append(params, p.Name)
				}
				if diff := cmp.Diff([]string{"from", "to", "format"}, params); diff != "" {
					t.Errorf("%s parameters (-want +got):\n%s", name, diff)
				}
				if _, ok := op.Responses["200"].Content["text/csv"]; !ok {
					t.Errorf("%s: the 200 answer does not offer text/csv", name)
				}
			}
		})

		t.Run("unknown report and who may ask", func(t *testing.T) {
			s.do(t, request{method: "GET", path: "/api/v1/reports/nonsense" + query, token: admin}).problem(t, 404)
			s.do(t, request{method: "GET", path: "/api/v1/reports/spot" + query, token: s.signIn(t, accounts.RoleDuty)}).problem(t, 403)
			s.do(t, request{method: "GET", path: "/api/v1/reports/spot" + query, token: w.aliceT}).problem(t, 403)
			s.do(t, request{method: "GET", path: "/api/v1/reports/spot" + query}).problem(t, 401)
		})
	})
}
