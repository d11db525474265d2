package booking_test

import (
	"testing"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/booking/bookingtest"
)

func TestLocalHoldStore(t *testing.T) {
	shared := booking.NewLocalHoldStore()
	bookingtest.HoldStore(t, func() booking.HoldStore { return shared })
}
