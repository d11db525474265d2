package booking

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// Shared-lives hosts as places: a host with capacity N has N slots a night,
// and a stay takes one slot each night. The same booking_nights primary key
// that stops a bed being booked twice stops a host having more guests than
// slots. A stay need not keep the same slot every night: the slot is only a
// place in the count, so a stay fits whenever each night has one free.

// hostCandidate is a host that could take a stay, with the slots free on
// each night of it.
type hostCandidate struct {
	host sharedlives.Host
	// free lists, for each night of the stay in order, the slots free that
	// night (neither booked nor held); every night has at least one.
	free [][]int
}

// choices is how many different slot assignments slotsFor offers: the most
// slots free on any night.
func (hc hostCandidate) choices() int {
	n := 0
	for _, slots := range hc.free {
		n = max(n, len(slots))
	}
	return n
}

// slotsFor is the try-th assignment of a free slot to each night, for try
// from 0 to choices()-1. The first takes the lowest free slot each night;
// each later one the next free slot, where there is one, so that a rival
// who took one night's slot in the moment between the check and the claim
// need not make the stay fail.
func (hc hostCandidate) slotsFor(try int) []int {
	out := make([]int, len(hc.free))
	for i, slots := range hc.free {
		out[i] = slots[try%len(slots)]
	}
	return out
}

// sameSlot is an assignment of one slot to every one of n nights (a bed's
// slot 0).
func sameSlot(n, slot int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = slot
	}
	return out
}

// hostCandidates returns the approved hosts, review not overdue, who offer
// the kind of stay, have marked every night available, and have a slot free
// (not booked, not held) on every night. hostIDs narrows to some hosts. It
// reads a window of just the stay's nights (loadHostWindow), so it asks the
// database four questions whatever the number of hosts.
func hostCandidates(ctx context.Context, db bun.IDB, offer string, arrive, depart, today calendar.Date, now time.Time, hostIDs []int64, near *area) ([]hostCandidate, error) {
	w, err := loadHostWindow(ctx, db, offer, arrive, depart, today, now, hostIDs, near)
	if err != nil {
		return nil, err
	}
	return w.free(arrive, depart), nil
}

// covers reports whether ranges (sorted by start) mark every night from
// arrive to depart available.
func covers(ranges []sharedlives.Range, arrive, depart calendar.Date) bool {
	night := arrive
	for _, r := range ranges {
		if r.StartsOn.After(night) {
			return false
		}
		if !r.EndsOn.Before(night) {
			night = r.EndsOn.AddDays(1)
		}
		if !night.Before(depart) {
			return true
		}
	}
	return !night.Before(depart)
}

// hostNeeds are needs a host's skills can meet; the others (nursing care,
// end-of-life care) need a care home.
var hostNeeds = sharedlives.Skills

// matchHost says whether a host suits a person, how well, why, and why not.
// As with match, arrive matters only through the person's age group.
func matchHost(p Person, arrive calendar.Date, h sharedlives.Host, now time.Time) (score int, reasons, problems []string) {
	for _, need := range p.Needs {
		switch {
		case !slices.Contains(hostNeeds, need):
			problems = append(problems, fmt.Sprintf("%s needs a care home", words(need)))
		case slices.Contains(h.Skills, need):
			score++
			reasons = append(reasons, "Trained in "+words(need))
		default:
			problems = append(problems, fmt.Sprintf("the host is not trained in %s", words(need)))
		}
	}
	facts := h.HomeFacts
	for _, req := range p.Requirements {
		ok, why := homeMeets(facts, req)
		if ok {
			reasons = append(reasons, why)
		} else {
			problems = append(problems, why)
		}
	}
	group := p.AgeGroup(arrive)
	if slices.Contains(h.AgeGroups, group) {
		reasons = append(reasons, "Takes "+group)
	} else {
		problems = append(problems, fmt.Sprintf("the host does not take %s", group))
	}
	if h.Stale(now) {
		score -= 2
		reasons = append(reasons, "Calendar not confirmed by the host for over 60 days: ring to check")
	}
	return score, reasons, problems
}

// homeMeets checks one requirement against a host's home, and says why.
func homeMeets(facts []string, req string) (bool, string) {
	has := func(f string) bool { return slices.Contains(facts, f) }
	switch req {
	case "no_pets":
		if has("pets") {
			return false, "the host has pets"
		}
		return true, "No pets"
	case "non_smoking":
		if has("smoking") {
			return false, "the home is not smoke-free"
		}
		return true, "Smoke-free home"
	case "ground_floor":
		if has("ground_floor_bedroom") || !has("stairs") {
			return true, "Ground-floor bedroom"
		}
		return false, "the bedroom is upstairs"
	case "wheelchair_access", "hoist", "en_suite", "level_access_shower":
		if has(req) {
			return true, "Has " + words(req)
		}
		return false, "the home has no " + words(req)
	}
	// Hospital-style equipment (profiling beds, pressure-relief mattresses,
	// hearing loops) is for care homes.
	return false, "a family home has no " + words(req)
}

// hostName is how a host is named to carers: first name only, for privacy.
func hostName(h sharedlives.Host) string {
	first, _, _ := strings.Cut(strings.TrimSpace(h.Name), " ")
	return "Shared Lives host " + first
}
