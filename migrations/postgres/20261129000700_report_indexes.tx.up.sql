-- The commissioners' reports (issue 13) read booking_nights by date range:
-- "the nights of this month, this quarter". Its primary key leads with the
-- place, so without this index every report reads every night ever booked.
-- booking_id is in the index too, so the join to bookings needs nothing
-- else from the table.
CREATE INDEX booking_nights_night_idx ON booking_nights (night, booking_id);
