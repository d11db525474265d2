package providers_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// TestService_NotificationsMobile: a home's texts go to a mobile staff
// give it; a landline is refused, saying so, and changes nothing.
func TestService_NotificationsMobile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		svc := newService(db)
		ctx := context.Background()

		t.Run("none at first: the home is rung, not texted", func(t *testing.T) {
			p := mustCreateProvider(t, svc, validHome())
			if p.NotificationsMobile != "" || p.Texted() {
				t.Errorf("a home added without a mobile: %q, texted %v", p.NotificationsMobile, p.Texted())
			}
		})

		t.Run("a mobile is kept in E.164", func(t *testing.T) {
			in := validHome()
			in.Name, in.NotificationsMobile = "Oak Lodge", " 07700 900501 "
			p := mustCreateProvider(t, svc, in)
			got, err := svc.Provider(ctx, p.ID)
			if err != nil || got.NotificationsMobile != "+447700900501" || !got.Texted() {
				t.Errorf("stored %q (texted %v), %v; want +447700900501", got.NotificationsMobile, got.Texted(), err)
			}
			// Cleared with "": the home goes back to being rung.
			got, err = svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{NotificationsMobile: new("")})
			if err != nil || got.NotificationsMobile != "" {
				t.Errorf("cleared: %q, %v", got.NotificationsMobile, err)
			}
		})

		t.Run("a landline is refused with a clear message", func(t *testing.T) {
			in := validHome()
			in.Name, in.NotificationsMobile = "Elm House", "0113 496 0000"
			_, err := svc.CreateProvider(ctx, admin, in)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "notifications_mobile" ||
				e.Fields[0].Message != contact.ErrLandline.Error() {
				t.Fatalf("err = %v, want Invalid on notifications_mobile saying %q", err, contact.ErrLandline)
			}
			p := mustCreateProvider(t, svc, providers.ProviderInput{Name: "Ash Court", Address: "1 Ash Road, Leeds", Postcode: "LS1 4AP",
				Latitude: new(53.8), Longitude: new(-1.55), Phone: "0113 496 0002", BedTypes: []string{"nursing"}})
			_, err = svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{NotificationsMobile: new("0113 496 0002")})
			if names := fieldsOf(t, err); len(names) != 1 || names[0] != "notifications_mobile" {
				t.Errorf("update with a landline: fields %v", names)
			}
			if got, _ := svc.Provider(ctx, p.ID); got.NotificationsMobile != "" {
				t.Errorf("a refused change was kept: %q", got.NotificationsMobile)
			}
		})
	})
}
