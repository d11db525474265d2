-- Staff accounts an admin manages: a member of staff may be disabled (they
-- cannot sign in, and their sessions end), may have to choose a new password
-- at their next sign-in (after an admin set a one-time password), and may
-- have a second factor: a TOTP authenticator app, with recovery codes.
ALTER TABLE staff_users ADD COLUMN disabled_at TIMESTAMP;
ALTER TABLE staff_users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- When the member of staff finished setting up their authenticator app;
-- NULL while they have none.
ALTER TABLE staff_users ADD COLUMN second_factor_at TIMESTAMP;
-- Finds the active admins, which the last-admin rule counts.
CREATE INDEX staff_users_role_idx ON staff_users (role, disabled_at);

-- The TOTP key (RFC 6238) of a member of staff. It has to be readable to
-- check codes, so it is kept apart from staff_users, which lists and pages
-- read. new_secret is a key being set up, not yet confirmed with a code.
-- last_step is the newest time step a code was accepted for: a code is
-- accepted only for a later step, so none works twice.
CREATE TABLE staff_totp_keys (
    user_id    INTEGER PRIMARY KEY REFERENCES staff_users (id),
    secret     TEXT,
    new_secret TEXT,
    last_step  INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);

-- Single-use recovery codes, stored only as the SHA-256 of the code: each
-- has 80 random bits, so a fast hash is as safe as a slow one here.
CREATE TABLE staff_recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES staff_users (id),
    code_hash  TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX staff_recovery_codes_user_idx ON staff_recovery_codes (user_id);

-- A sign-in half done: the password was right, and the step says what is
-- still needed before a session starts. The token is stored as its SHA-256
-- hash, like a session's, and lives for minutes.
CREATE TABLE staff_sign_ins (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES staff_users (id),
    step       TEXT NOT NULL CHECK (step IN ('second_factor', 'change_password', 'enrol_second_factor')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_sign_ins_user_idx ON staff_sign_ins (user_id);
CREATE INDEX staff_sign_ins_expires_idx ON staff_sign_ins (expires_at);

-- Staff sessions end after a spell without activity: last_seen_at is when
-- the session was last used (to within a minute). NULL means not since it
-- began.
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
