// Package revision lets two people editing the same record find out,
// instead of one silently undoing the other (optimistic concurrency). A
// record's revision is the instant it was last changed; whoever changes it
// may say which revision they read, and the change is refused if it has
// moved on since. Over HTTP the revision is the ETag, and If-Match says
// which one was read.
package revision

import (
	"strconv"
	"time"

	"github.com/respite-uk/respite/apperr"
)

// ErrStale refuses a change made to a copy of a record that someone else
// has changed since it was read.
var ErrStale = apperr.New(apperr.Stale,
	"Someone else changed this record after you read it. Read it again, and make your change to what it says now.")

// Of is the revision of a record last changed at updatedAt: its updated_at
// in whole microseconds, which is what PostgreSQL keeps (services write
// updated_at truncated to microseconds, so the revision a change returns is
// the one a later read gives).
func Of(updatedAt time.Time) string { return strconv.FormatInt(updatedAt.UnixMicro(), 10) }

// Check returns ErrStale when want names a revision and the record, last
// changed at updatedAt, is no longer at it. An empty want checks nothing:
// the caller did not say what they read.
func Check(want string, updatedAt time.Time) error {
	if want == "" || want == Of(updatedAt) {
		return nil
	}
	return ErrStale
}

// Now is the time to write as a record's updated_at: now in UTC, to the
// microsecond, so that its revision survives the round trip through either
// database.
func Now(now time.Time) time.Time { return now.UTC().Truncate(time.Microsecond) }
