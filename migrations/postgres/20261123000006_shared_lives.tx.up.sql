-- Shared-lives hosts: vetted families who take a guest into their home, and
-- the dates they say they can.

CREATE TABLE hosts (
    id                        BIGSERIAL PRIMARY KEY,
    name                      TEXT NOT NULL,
    mobile                    TEXT NOT NULL UNIQUE,
    postcode                  TEXT NOT NULL,
    latitude                  DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude                 DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    capacity                  INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 6),
    skills                    JSONB NOT NULL,
    offers                    JSONB NOT NULL,
    home_facts                JSONB NOT NULL,
    age_groups                JSONB NOT NULL,
    staff_notes               TEXT NOT NULL,
    status                    TEXT NOT NULL CHECK (status IN ('applicant', 'approved', 'suspended', 'left')),
    approved_on               DATE,
    review_due                DATE,
    availability_confirmed_at TIMESTAMPTZ,
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX hosts_status_idx ON hosts (status, review_due);

-- Date ranges (inclusive) when a host can take guests.
CREATE TABLE host_availability (
    id        BIGSERIAL PRIMARY KEY,
    host_id   BIGINT NOT NULL REFERENCES hosts (id),
    starts_on DATE NOT NULL,
    ends_on   DATE NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX host_availability_host_idx ON host_availability (host_id, starts_on);
