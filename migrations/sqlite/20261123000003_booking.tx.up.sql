-- Carers, the people they care for, holds and bookings.

CREATE TABLE carers (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    name                    TEXT NOT NULL,
    mobile                  TEXT NOT NULL UNIQUE,
    email                   TEXT,
    postcode                TEXT NOT NULL,
    latitude                REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude               REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    allowance_nights        INTEGER NOT NULL CHECK (allowance_nights >= 0),
    allowance_year_starts   DATE NOT NULL,
    emergency_card          TEXT UNIQUE,
    emergency_plan          TEXT NOT NULL,
    emergency_contact_name  TEXT NOT NULL,
    emergency_contact_phone TEXT,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);

CREATE TABLE people (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    carer_id      INTEGER NOT NULL REFERENCES carers (id),
    name          TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    needs         TEXT NOT NULL,
    requirements  TEXT NOT NULL,
    staff_notes   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX people_carer_idx ON people (carer_id);

-- A hold is a short claim on a place's nights while someone confirms. The
-- hold store (Redis, or in-process) makes claiming atomic; this row says
-- whose it is and lets searches leave held nights out.
CREATE TABLE holds (
    id              TEXT PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES people (id),
    carer_id        INTEGER NOT NULL REFERENCES carers (id),
    place_kind      TEXT NOT NULL CHECK (place_kind IN ('bed', 'host')),
    place_id        INTEGER NOT NULL,
    slot            INTEGER NOT NULL,
    arrive          DATE NOT NULL,
    depart          DATE NOT NULL,
    created_by_kind TEXT NOT NULL,
    created_by_id   INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    CHECK (depart > arrive)
);
CREATE INDEX holds_place_idx ON holds (place_kind, place_id, expires_at);
CREATE INDEX holds_person_idx ON holds (person_id, expires_at);

CREATE TABLE bookings (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    reference           TEXT NOT NULL UNIQUE,
    status              TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    kind                TEXT NOT NULL CHECK (kind IN ('planned', 'emergency')),
    person_id           INTEGER NOT NULL REFERENCES people (id),
    carer_id            INTEGER NOT NULL REFERENCES carers (id),
    place_kind          TEXT NOT NULL CHECK (place_kind IN ('bed', 'host')),
    place_id            INTEGER NOT NULL,
    arrive              DATE NOT NULL,
    depart              DATE NOT NULL,
    nights              INTEGER NOT NULL CHECK (nights > 0),
    nightly_rate_pence  INTEGER NOT NULL,
    created_by_kind     TEXT NOT NULL,
    created_by_id       INTEGER NOT NULL,
    idempotency_key     TEXT,
    cancelled_at        TIMESTAMP,
    cancelled_by_kind   TEXT,
    cancelled_by_id     INTEGER,
    cancel_reason       TEXT,
    allowance_restored  BOOLEAN NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK (depart > arrive),
    -- the same request sent twice by the same person makes one booking
    UNIQUE (created_by_kind, created_by_id, idempotency_key)
);
CREATE INDEX bookings_person_idx ON bookings (person_id, arrive);
CREATE INDEX bookings_carer_idx ON bookings (carer_id, arrive);
CREATE INDEX bookings_place_idx ON bookings (place_kind, place_id, arrive);
CREATE INDEX bookings_arrive_idx ON bookings (arrive, status);

-- One row per place, night and slot: the database itself refuses a double
-- booking. A bed has one slot (0); a shared-lives host as many as guests.
-- A person can also be in only one place a night.
CREATE TABLE booking_nights (
    place_kind TEXT NOT NULL,
    place_id   INTEGER NOT NULL,
    night      DATE NOT NULL,
    slot       INTEGER NOT NULL CHECK (slot >= 0),
    booking_id INTEGER NOT NULL REFERENCES bookings (id),
    person_id  INTEGER NOT NULL,
    PRIMARY KEY (place_kind, place_id, night, slot),
    UNIQUE (person_id, night)
);
CREATE INDEX booking_nights_booking_idx ON booking_nights (booking_id);

-- Searches that found nothing, for the commissioners: what was wanted, when, where.
CREATE TABLE unmet_searches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    searched_at  TIMESTAMP NOT NULL,
    arrive       DATE NOT NULL,
    depart       DATE NOT NULL,
    needs        TEXT NOT NULL,
    requirements TEXT NOT NULL,
    age_group    TEXT NOT NULL,
    area         TEXT NOT NULL
);
CREATE INDEX unmet_searches_arrive_idx ON unmet_searches (arrive);
