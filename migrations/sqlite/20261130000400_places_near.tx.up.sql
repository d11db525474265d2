-- Searches for tonight look near the carer's home first (booking/area.go).
-- These indexes find the homes and hosts in a box on the map by touching
-- only the entries inside it: the first column is the tenth of a degree of
-- latitude (about 11 km) a place lies in, so a box is a few seeks, one a
-- band, each over the box's longitudes. The expression must be written
-- exactly so in the queries (booking.latitudeBand) for the database to use
-- the index.
CREATE INDEX providers_near_idx ON providers ((CAST(floor(latitude * 10) AS INTEGER)), longitude);
CREATE INDEX hosts_near_idx ON hosts ((CAST(floor(latitude * 10) AS INTEGER)), longitude);

-- A home's beds, for the homes a search found near.
CREATE INDEX beds_provider_idx ON beds (provider_id);
