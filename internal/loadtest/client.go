package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/respite-uk/respite/calendar"
)

// Client calls one Respite service's API as one signed-in user, over a pool
// of kept-alive connections big enough for every client of a run, so that
// no request waits for a connection or pays for a TCP handshake.
type Client struct {
	base, token string
	http        *http.Client
}

// NewClient returns a client of the service at base (such as
// "http://127.0.0.1:8080") sending the bearer token, if any, with every
// request, keeping up to conns connections open.
func NewClient(base, token string, conns int) *Client {
	return &Client{base: base, token: token, http: &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			IdleConnTimeout: 5 * time.Minute, DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Close closes the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// StatusError is an answer with another status than the one wanted.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string // the start of it
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s answered %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// do sends a request and reads the whole answer, into out when it is not
// nil and the status is want; any other status is a *StatusError.
func (c *Client) do(ctx context.Context, method, path string, header http.Header, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b[:min(len(b), 300)])}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// Get asks for path and wants a 200, reading and dropping the answer.
func (c *Client) Get(ctx context.Context, path string) error {
	return c.do(ctx, http.MethodGet, path, nil, nil, http.StatusOK, nil)
}

// Me is GET /api/v1/auth/me: the signed-in user, the cheapest answer that
// still checks a session in the database.
func (c *Client) Me(ctx context.Context) error { return c.Get(ctx, "/api/v1/auth/me") }

// Availability searches for places for the person from arrive to depart
// (GET /api/v1/availability) and returns how many the service offered.
func (c *Client) Availability(ctx context.Context, personID int64, arrive, depart calendar.Date) (int, error) {
	var out struct {
		Options []json.RawMessage `json:"options"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/availability?"+stayQuery(personID, arrive, depart), nil, nil, http.StatusOK, &out)
	return len(out.Options), err
}

// EmergencyOptions asks for the places for the person tonight (GET
// /api/v1/emergency/options; duty staff only) and returns how many.
func (c *Client) EmergencyOptions(ctx context.Context, personID int64, arrive, depart calendar.Date) (int, error) {
	var out struct {
		Options []json.RawMessage `json:"options"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/emergency/options?"+stayQuery(personID, arrive, depart), nil, nil, http.StatusOK, &out)
	return len(out.Options), err
}

func stayQuery(personID int64, arrive, depart calendar.Date) string {
	return url.Values{"person_id": {strconv.FormatInt(personID, 10)}, "arrive": {arrive.String()}, "depart": {depart.String()}}.Encode()
}

// Stay is a person's stay at a place: what a hold asks for.
type Stay struct {
	PersonID       int64
	PlaceKind      string // "bed" or "host"
	PlaceID        int64
	Arrive, Depart calendar.Date
}

// Hold holds the stay's nights (POST /api/v1/holds) and returns the hold's
// id. A refusal, such as 409 when the nights are taken, is a *StatusError.
func (c *Client) Hold(ctx context.Context, s Stay) (string, error) {
	req := map[string]any{
		"person_id": s.PersonID, "place": map[string]any{"kind": s.PlaceKind, "id": s.PlaceID},
		"arrive": s.Arrive.String(), "depart": s.Depart.String(),
	}
	var out struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/holds", nil, req, http.StatusCreated, &out)
	return out.ID, err
}

// Confirm turns a hold into a booking (POST /api/v1/bookings) with an
// Idempotency-Key, as the API's clients send, and returns the booking's id.
func (c *Client) Confirm(ctx context.Context, holdID, idempotencyKey string) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	h := http.Header{"Idempotency-Key": {idempotencyKey}}
	err := c.do(ctx, http.MethodPost, "/api/v1/bookings", h, map[string]string{"hold_id": holdID}, http.StatusCreated, &out)
	return out.ID, err
}

// Release lets a hold go (DELETE /api/v1/holds/ID).
func (c *Client) Release(ctx context.Context, holdID string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/holds/"+url.PathEscape(holdID), nil, nil, http.StatusNoContent, nil)
}

// HoldAndConfirm books a stay as a carer's app does it: a hold, then its
// confirmation. key is the confirmation's Idempotency-Key.
func (c *Client) HoldAndConfirm(ctx context.Context, s Stay, key string) (int64, error) {
	id, err := c.Hold(ctx, s)
	if err != nil {
		return 0, err
	}
	return c.Confirm(ctx, id, key)
}

// RaceResult is one contested race: which hold won, and how long each
// losing request took to be refused.
type RaceResult struct {
	// WinnerHold is the winning hold's id; empty if none won.
	WinnerHold string
	Winners    int
	Losers     []time.Duration
	// Errors are answers that were neither a hold nor a refusal (409).
	Errors []error
}

// Race sends the stays' holds all at once, one client to each, released
// together once every client is ready, and records the refused ones'
// latencies. The stays should be the same place and nights for different
// people, so that one wins and the rest lose; the winning hold is left for
// the caller to release.
func (c *Client) Race(ctx context.Context, stays []Stay) RaceResult {
	type answer struct {
		hold string
		took time.Duration
		err  error
	}
	answers := make([]answer, len(stays))
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for i, s := range stays {
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-gate
			t0 := time.Now()
			id, err := c.Hold(ctx, s)
			answers[i] = answer{id, time.Since(t0), err}
		})
	}
	ready.Wait()
	close(gate)
	done.Wait()
	var r RaceResult
	for _, a := range answers {
		var se *StatusError
		switch {
		case a.err == nil:
			r.Winners++
			r.WinnerHold = a.hold
		case errors.As(a.err, &se) && se.Status == http.StatusConflict:
			r.Losers = append(r.Losers, a.took)
		default:
			r.Errors = append(r.Errors, a.err)
		}
	}
	return r
}

// Warm opens n connections at once (n concurrent /auth/me requests), so
// that a race that follows measures requests, not TCP handshakes.
func (c *Client) Warm(ctx context.Context, n int) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = c.Me(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
