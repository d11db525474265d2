// Command book-a-stay books a respite stay through the Go client generated
// from Respite's OpenAPI document (package web/apiclient), as another
// council system would: it signs in as duty staff, searches for places for
// a person, holds the first, confirms the hold with an Idempotency-Key, and
// then holds a second stay and lets it go. It exists to prove the document
// is a usable contract, and CI runs it against a real server (main_test.go).
//
// Usage:
//
//	RESPITE_PASSWORD=demo-duty-password book-a-stay -base http://localhost:8080 \
//	    -email duty@respite.example -person 1 -arrive 2027-01-11 -nights 3
//
// The password is read from RESPITE_PASSWORD rather than a flag, so that it
// stays out of shell histories and the process list.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/respite-uk/respite/web/apiclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)):
		fmt.Fprintf(os.Stderr, "book-a-stay: %v\nRun 'book-a-stay -h' for usage.\n", err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "book-a-stay: %v\n", err)
		os.Exit(1)
	}
}

// usageError is a mistake on the command line rather than a refusal by the
// service.
type usageError string

func (e usageError) Error() string { return string(e) }

// secondStayGap is the days between the booked stay's departure and the
// arrival of the second stay, the one held and let go: the person's two
// stays must not overlap, or the service refuses the second.
const secondStayGap = 7

// run books a stay as args say, writing what it did to out.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("book-a-stay", flag.ContinueOnError)
	fs.SetOutput(out)
	base := fs.String("base", "http://localhost:8080", "the service's address")
	email := fs.String("email", "", "email of a member of duty staff (admins may book too, but need a second factor this program does not give)")
	person := fs.Int64("person", 0, "id of the person the stay is for")
	arriveFlag := fs.String("arrive", "", "arrival date, YYYY-MM-DD (default: two weeks from today)")
	nights := fs.Int("nights", 3, "nights to stay")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(err.Error())
	}
	password := getenv("RESPITE_PASSWORD")
	switch {
	case *email == "" || password == "":
		return usageError("give -email, and the password in RESPITE_PASSWORD")
	case *person <= 0:
		return usageError("give -person, the id of the person the stay is for")
	case *nights < 1:
		return usageError("-nights must be at least 1")
	}
	// Two weeks ahead is well inside the booking rules (at least a day
	// ahead, at most a year), whichever side of midnight in London it is.
	arrive := time.Now().AddDate(0, 0, 14)
	if *arriveFlag != "" {
		var err error
		if arrive, err = time.Parse(time.DateOnly, *arriveFlag); err != nil {
			return usageError("-arrive: give a date as YYYY-MM-DD")
		}
	}
	first := stay{person: *person, arrive: arrive, depart: arrive.AddDate(0, 0, *nights)}

	token, err := signIn(ctx, *base, *email, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "signed in as %s\n", *email)
	// Every later request carries the token. oapi-codegen does nothing with
	// the document's bearer scheme, so the client adds it to each request.
	api, err := apiclient.NewClientWithResponses(*base, apiclient.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		return err
	}

	option, err := firstOption(ctx, api, first)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "found %s at %s, %.1f km away, £%.2f a night\n", option.Name, option.Provider, option.DistanceKm, float64(option.NightlyRatePence)/100)
	hold, err := holdPlace(ctx, api, first, option.Place)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "held %s for %d nights from %s, until %s while it is confirmed\n", option.Name, hold.Nights, hold.Arrive, hold.ExpiresAt.Local().Format("15:04"))
	booked, err := confirm(ctx, api, hold.Id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "booked %s: %s, %d nights from %s (booking %d)\n", booked.Reference, booked.Status, booked.Nights, booked.Arrive, booked.Id)

	// A hold that is not wanted after all is let go at once, so the nights
	// are free for others before the hold would expire.
	arriveLater := first.depart.AddDate(0, 0, secondStayGap)
	later := stay{person: first.person, arrive: arriveLater, depart: arriveLater.AddDate(0, 0, *nights)}
	option, err = firstOption(ctx, api, later)
	if err != nil {
		return err
	}
	second, err := holdPlace(ctx, api, later, option.Place)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "held %s for %d nights from %s\n", option.Name, second.Nights, second.Arrive)
	if err := release(ctx, api, second.Id); err != nil {
		return err
	}
	fmt.Fprintf(out, "released hold %s\n", second.Id)
	return nil
}

// stay is the nights a person is to stay.
type stay struct {
	person         int64
	arrive, depart time.Time
}

// signIn signs in with a password and returns the bearer token.
func signIn(ctx context.Context, base, email, password string) (string, error) {
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		return "", err
	}
	r, err := api.PostAuthLoginWithResponse(ctx, apiclient.LoginRequest{Email: email, Password: password})
	if err != nil {
		return "", fmt.Errorf("signing in: %w", err)
	}
	if r.JSON200 == nil {
		return "", refused("signing in", r.StatusCode(), r.Body)
	}
	// The answer is 200 when the password is right but the account needs
	// another step first (a second factor, a new password).
	if r.JSON200.Token == nil {
		next := "another step"
		if r.JSON200.Next != nil {
			next = string(*r.JSON200.Next)
		}
		return "", fmt.Errorf("signing in: the service asks for %s first; use a duty account that has signed in before", next)
	}
	return *r.JSON200.Token, nil
}

// firstOption searches for places free on every night of s and returns the
// best: the service lists the best match first.
func firstOption(ctx context.Context, api *apiclient.ClientWithResponses, s stay) (apiclient.Option, error) {
	r, err := api.GetAvailabilityWithResponse(ctx, &apiclient.GetAvailabilityParams{
		PersonId: s.person, Arrive: openapi_types.Date{Time: s.arrive}, Depart: openapi_types.Date{Time: s.depart},
	})
	if err != nil {
		return apiclient.Option{}, fmt.Errorf("searching: %w", err)
	}
	if r.JSON200 == nil {
		return apiclient.Option{}, refused("searching", r.StatusCode(), r.Body)
	}
	if len(r.JSON200.Options) == 0 {
		return apiclient.Option{}, fmt.Errorf("searching: no place is free from %s to %s", s.arrive.Format(time.DateOnly), s.depart.Format(time.DateOnly))
	}
	return r.JSON200.Options[0], nil
}

// holdPlace holds the place's nights for s while the booking is confirmed.
func holdPlace(ctx context.Context, api *apiclient.ClientWithResponses, s stay, place apiclient.Place) (apiclient.Hold, error) {
	r, err := api.PostHoldsWithResponse(ctx, apiclient.HoldRequest{
		PersonId: s.person, Place: place, Arrive: openapi_types.Date{Time: s.arrive}, Depart: openapi_types.Date{Time: s.depart},
	})
	if err != nil {
		return apiclient.Hold{}, fmt.Errorf("holding: %w", err)
	}
	if r.JSON201 == nil {
		return apiclient.Hold{}, refused("holding", r.StatusCode(), r.Body)
	}
	return *r.JSON201, nil
}

// confirm turns the hold into a booking. A confirmation whose answer is lost
// (a timeout, a dropped connection) must be safe to send again without
// booking twice, so it carries an Idempotency-Key, and it is sent twice
// here to show the second answer is the same booking.
func confirm(ctx context.Context, api *apiclient.ClientWithResponses, holdID string) (apiclient.Booking, error) {
	key := rand.Text() // new for each booking, as the service asks
	params := &apiclient.PostBookingsParams{IdempotencyKey: &key}
	var booked []apiclient.Booking
	for range 2 {
		r, err := api.PostBookingsWithResponse(ctx, params, apiclient.BookingRequest{HoldId: holdID})
		if err != nil {
			return apiclient.Booking{}, fmt.Errorf("confirming: %w", err)
		}
		if r.JSON201 == nil {
			return apiclient.Booking{}, refused("confirming", r.StatusCode(), r.Body)
		}
		booked = append(booked, *r.JSON201)
	}
	if booked[1].Id != booked[0].Id {
		return apiclient.Booking{}, fmt.Errorf("confirming: sending the same Idempotency-Key again booked %s as well as %s", booked[1].Reference, booked[0].Reference)
	}
	return booked[0], nil
}

// release lets a hold go before it expires.
func release(ctx context.Context, api *apiclient.ClientWithResponses, holdID string) error {
	r, err := api.DeleteHoldsIdWithResponse(ctx, holdID)
	if err != nil {
		return fmt.Errorf("releasing the hold: %w", err)
	}
	if r.StatusCode() != http.StatusNoContent {
		return refused("releasing the hold", r.StatusCode(), r.Body)
	}
	return nil
}

// refused explains an answer other than the one wanted, from the RFC 9457
// problem the service sends with every error: its detail is written to be
// shown to people.
func refused(step string, status int, body []byte) error {
	var p apiclient.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Detail == "" {
		return fmt.Errorf("%s: the service answered %d", step, status)
	}
	return fmt.Errorf("%s: %d %s: %s", step, status, p.Title, p.Detail)
}
