-- The SMS outbox: every text is written here in the same transaction as the
-- change that causes it, then sent by the dispatcher. Nothing is lost if the
-- process stops; the dedupe key stops the same message being queued twice.

CREATE TABLE sms_messages (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key          TEXT NOT NULL UNIQUE,
    recipient           TEXT NOT NULL,
    template            TEXT NOT NULL,
    data                TEXT NOT NULL,
    body                TEXT NOT NULL,
    urgent              BOOLEAN NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'suppressed')),
    attempts            INTEGER NOT NULL,
    not_before          TIMESTAMP NOT NULL,
    next_attempt_at     TIMESTAMP NOT NULL,
    claimed_until       TIMESTAMP,
    provider            TEXT NOT NULL,
    provider_message_id TEXT,
    last_error          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    sent_at             TIMESTAMP,
    delivered_at        TIMESTAMP
);
CREATE INDEX sms_messages_due_idx ON sms_messages (status, next_attempt_at);
CREATE INDEX sms_messages_recipient_idx ON sms_messages (recipient, id);
CREATE UNIQUE INDEX sms_messages_provider_id_idx ON sms_messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- Numbers that replied STOP (or were reported opted out by the provider).
CREATE TABLE sms_opt_outs (
    phone        TEXT PRIMARY KEY,
    keyword      TEXT NOT NULL,
    opted_out_at TIMESTAMP NOT NULL
);

-- Every delivery receipt as it came. A receipt can arrive before the send is
-- recorded (the provider may call back within milliseconds); keeping them
-- here lets recording the send apply it, so none is lost.
CREATE TABLE sms_receipts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_message_id TEXT NOT NULL,
    status              TEXT NOT NULL,
    error_code          TEXT NOT NULL,
    received_at         TIMESTAMP NOT NULL
);
CREATE INDEX sms_receipts_message_idx ON sms_receipts (provider_message_id);
