-- Shared-lives hosts: vetted families who take a guest into their home, and
-- the dates they say they can.

CREATE TABLE hosts (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    name                      TEXT NOT NULL,
    mobile                    TEXT NOT NULL UNIQUE,
    postcode                  TEXT NOT NULL,
    latitude                  REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude                 REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    capacity                  INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 6),
    skills                    TEXT NOT NULL,
    offers                    TEXT NOT NULL,
    home_facts                TEXT NOT NULL,
    age_groups                TEXT NOT NULL,
    staff_notes               TEXT NOT NULL,
    status                    TEXT NOT NULL CHECK (status IN ('applicant', 'approved', 'suspended', 'left')),
    approved_on               DATE,
    review_due                DATE,
    availability_confirmed_at TIMESTAMP,
    created_at                TIMESTAMP NOT NULL,
    updated_at                TIMESTAMP NOT NULL
);
CREATE INDEX hosts_status_idx ON hosts (status, review_due);

-- Date ranges (inclusive) when a host can take guests.
CREATE TABLE host_availability (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id   INTEGER NOT NULL REFERENCES hosts (id),
    starts_on DATE NOT NULL,
    ends_on   DATE NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX host_availability_host_idx ON host_availability (host_id, starts_on);
