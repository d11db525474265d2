-- The commissioners' reports (issue 13) now count a stay's nights from its
-- own dates, one row a stay, instead of from booking_nights, one row a
-- night (reports/sql.go says why that is sound). This index holds every
-- column they read from bookings, led by status and arrival, so a year's
-- reports read it alone and never the wider table rows: with it, the
-- regional benchmark's year of reports takes under a second
-- (docs/benchmarks.md).
CREATE INDEX bookings_report_idx ON bookings (status, arrive, depart, place_kind, place_id, kind, carer_id, person_id, nightly_rate_pence);

-- booking_nights_night_idx (20261129000700) served the reports' reading of
-- nights by date, which they no longer do; nothing else reads nights
-- without their place, and every booked night paid a write for it.
DROP INDEX booking_nights_night_idx;
