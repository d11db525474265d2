-- Staff accounts, sign-in sessions, and the care homes the council buys beds from.

CREATE TABLE staff_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'duty', 'coordinator')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- A session is a signed-in token, stored only as its SHA-256 hash. The subject
-- is a member of staff now; carers and shared-lives hosts sign in later.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('staff', 'carer', 'host')),
    subject_id   INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_subject_idx ON sessions (subject_kind, subject_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE providers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    postcode    TEXT NOT NULL,
    latitude    REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    phone       TEXT NOT NULL,
    bed_types   TEXT NOT NULL,
    specialisms TEXT NOT NULL,
    age_groups  TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX providers_name_idx ON providers (lower(name));

CREATE TABLE contracts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id        INTEGER NOT NULL REFERENCES providers (id),
    kind               TEXT NOT NULL CHECK (kind IN ('block', 'spot')),
    reference          TEXT NOT NULL UNIQUE,
    starts_on          DATE NOT NULL,
    ends_on            DATE NOT NULL,
    nightly_rate_pence INTEGER NOT NULL CHECK (nightly_rate_pence >= 0),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on),
    -- lets beds refer to (contract, provider) so a bed's contract is always its own home's
    UNIQUE (id, provider_id)
);
CREATE INDEX contracts_provider_idx ON contracts (provider_id, starts_on);

CREATE TABLE beds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id        INTEGER NOT NULL REFERENCES providers (id),
    contract_id        INTEGER NOT NULL,
    label              TEXT NOT NULL,
    bed_type           TEXT NOT NULL CHECK (bed_type IN ('residential', 'residential_dementia', 'nursing', 'nursing_dementia')),
    features           TEXT NOT NULL,
    emergency_reserved BOOLEAN NOT NULL,
    active             BOOLEAN NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    FOREIGN KEY (contract_id, provider_id) REFERENCES contracts (id, provider_id),
    UNIQUE (provider_id, label)
);
CREATE INDEX beds_contract_idx ON beds (contract_id);
