-- One-time codes sent by SMS, so carers (and, later, shared-lives hosts) can
-- sign in with their mobile number. Only an HMAC of each code is kept here.
-- Only a number's newest code can be used, and it dies when used, after too
-- many wrong tries, or when it expires.

CREATE TABLE sign_in_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    phone      TEXT NOT NULL, -- E.164
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL CHECK (attempts >= 0),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
-- Finds a number's newest code.
CREATE INDEX sign_in_codes_phone_idx ON sign_in_codes (phone, id);
-- For the clean-up job.
CREATE INDEX sign_in_codes_expires_idx ON sign_in_codes (expires_at);
