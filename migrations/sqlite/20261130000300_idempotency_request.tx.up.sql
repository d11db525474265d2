-- A booking made with an Idempotency-Key also records what it was asked
-- for (issue 15): "hold:" and the hold's id. The same key sent again with a
-- different request is refused (422) instead of silently answering with the
-- first booking, which would leave the caller believing a second stay was
-- booked. NULL for bookings made before, and for those made without a key.
ALTER TABLE bookings ADD COLUMN idempotency_request TEXT;
