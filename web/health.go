package web

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readinessTimeout bounds each readiness check, so a hung dependency (a
// frozen Redis, a database that accepts connections but never answers)
// makes /readyz fail within about a second instead of hanging the load
// balancer's probe. The Redis client honours the deadline
// (redisstore.Options), and a healthy check takes milliseconds.
const readinessTimeout = time.Second

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"` // name → "ok" or what failed
}

// showHealth answers 200 while the process runs.
func (s *Server) showHealth(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"status": "ok"})
}

// showReadiness answers 200 only when every dependency answers, and 503 with
// a problem naming what failed otherwise.
func (s *Server) showReadiness(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	checks := s.deps.Ready
	results := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(c.UserContext(), readinessTimeout)
			defer cancel()
			results[i] = ch.Check(ctx)
		}()
	}
	wg.Wait()

	r := readiness{Status: "ready", Checks: map[string]string{}}
	var failed []string
	for i, ch := range checks {
		if results[i] != nil {
			s.log.WarnContext(c.UserContext(), "readiness check failed", "check", ch.Name, "err", results[i])
			r.Checks[ch.Name] = "not answering"
			failed = append(failed, ch.Name)
			continue
		}
		r.Checks[ch.Name] = "ok"
	}
	if len(failed) == 0 {
		return c.JSON(r)
	}
	c.Status(fiber.StatusServiceUnavailable)
	c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(readinessProblem{
		Problem: Problem{
			Type: problemType("not-ready"), Title: "Service Unavailable", Status: fiber.StatusServiceUnavailable,
			Detail: "Not ready: " + joinAnd(failed) + " not answering.", RequestID: requestID(c),
		},
		Checks: r.Checks,
	}, "application/problem+json")
}

type readinessProblem struct {
	Problem
	Checks map[string]string `json:"checks"`
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	out := xs[0]
	for _, x := range xs[1 : len(xs)-1] {
		out += ", " + x
	}
	return out + " and " + xs[len(xs)-1]
}
