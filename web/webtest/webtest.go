// Package webtest runs the real service on a loopback port, for the tests
// of packages that drive it over HTTP from outside package web.
package webtest

import (
	"net"
	"testing"
	"time"

	"github.com/respite-uk/respite/web"
)

// Serve answers with srv on a free loopback port for the rest of the test,
// and returns the address to send requests to ("http://127.0.0.1:port").
func Serve(tb testing.TB, srv *web.Server) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	tb.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}
