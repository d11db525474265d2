-- A bed, or a whole care home, closed to admissions for a run of nights: an
-- outbreak, refurbishment. Closed nights are offered to nobody. bed_id is
-- NULL for the whole home (every bed it has, and any added later).
-- starts_on and ends_on are nights, both included. created_by is the id of
-- the member of staff who closed it.
CREATE TABLE closures (
    id          BIGSERIAL PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    bed_id      BIGINT REFERENCES beds (id),
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    reason      TEXT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK (ends_on >= starts_on)
);
-- Searches ask "is this home closed on any of these nights?".
CREATE INDEX closures_provider_idx ON closures (provider_id, ends_on);
