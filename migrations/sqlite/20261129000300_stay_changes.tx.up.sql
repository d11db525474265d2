-- Changing a stay: extending it, ending it early, moving it, and placing a
-- person in an emergency where the place does not suit on paper.

-- A stay moved part-way through to another place is two bookings: the
-- first ends on the day of the move, and the second, starting that day,
-- names the booking it was moved from.
ALTER TABLE bookings ADD COLUMN moved_from_booking_id INTEGER REFERENCES bookings (id);

-- A stay ended early keeps the nights before the end, which count as used.
-- ended_early_at says when, and booked_depart the departure it was booked
-- to before the first time it was ended early.
ALTER TABLE bookings ADD COLUMN ended_early_at TIMESTAMP;
ALTER TABLE bookings ADD COLUMN booked_depart DATE;

-- When policy keeps the freed nights against the allowance (freed too late
-- to cancel them online, with KeepAllowanceOnLateCancel), the allowance
-- counts the stay's nights up to this date rather than to its departure. A
-- date rather than a count, so that each kept night falls in its own
-- allowance year.
ALTER TABLE bookings ADD COLUMN allowance_kept_until DATE;

-- An emergency placement where the place did not suit on paper: why it did
-- not suit ("It has no hoist; ..."), and the duty officer's reason for
-- placing the person there all the same. Empty for every other stay.
ALTER TABLE bookings ADD COLUMN override_problems TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';

CREATE INDEX bookings_moved_from_idx ON bookings (moved_from_booking_id);

-- A hold on a shared-lives host keeps a slot on each night, which need not
-- be the same slot every night: a JSON list, one slot a night. Holds from
-- before this have none and keep holds.slot on every night.
ALTER TABLE holds ADD COLUMN night_slots TEXT;
