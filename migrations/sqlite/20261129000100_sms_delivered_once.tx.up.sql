-- Texts delivered once (issue 11).
--
-- A try whose outcome is unknown (the provider took the request but no answer
-- came back, or the dispatcher stopped mid-send) is now checked with the
-- provider before any resend: such a message is 'checking'. tried_at is when
-- its latest try was claimed, so the check knows from when to look, and
-- claimed_by names the claim, so a dispatcher whose lease has run out cannot
-- overwrite what another has since recorded.
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt
-- with the new status; no other table refers to it.
CREATE TABLE sms_messages_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key          TEXT NOT NULL UNIQUE,
    recipient           TEXT NOT NULL,
    template            TEXT NOT NULL,
    data                TEXT NOT NULL,
    body                TEXT NOT NULL,
    urgent              BOOLEAN NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'checking', 'sent', 'delivered', 'undelivered', 'failed', 'suppressed')),
    attempts            INTEGER NOT NULL,
    not_before          TIMESTAMP NOT NULL,
    next_attempt_at     TIMESTAMP NOT NULL,
    claimed_until       TIMESTAMP,
    claimed_by          TEXT,
    tried_at            TIMESTAMP,
    provider            TEXT NOT NULL,
    provider_message_id TEXT,
    last_error          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    sent_at             TIMESTAMP,
    delivered_at        TIMESTAMP
);
INSERT INTO sms_messages_new (id, dedupe_key, recipient, template, data, body, urgent, status, attempts,
    not_before, next_attempt_at, claimed_until, provider, provider_message_id, last_error, created_at,
    updated_at, sent_at, delivered_at)
SELECT id, dedupe_key, recipient, template, data, body, urgent, status, attempts,
    not_before, next_attempt_at, claimed_until, provider, provider_message_id, last_error, created_at,
    updated_at, sent_at, delivered_at
FROM sms_messages;
DROP TABLE sms_messages;
ALTER TABLE sms_messages_new RENAME TO sms_messages;
CREATE INDEX sms_messages_due_idx ON sms_messages (status, next_attempt_at);
CREATE INDEX sms_messages_recipient_idx ON sms_messages (recipient, id);
CREATE UNIQUE INDEX sms_messages_provider_id_idx ON sms_messages (provider_message_id) WHERE provider_message_id IS NOT NULL;
-- What dispatchers claim, in the order they claim it: urgent first, then by
-- when it fell due. Only unfinished messages are in it, so it stays small
-- however long the outbox grows.
CREATE INDEX sms_messages_claim_idx ON sms_messages (urgent DESC, next_attempt_at, id) WHERE status IN ('queued', 'sending', 'checking');

-- A delivery receipt replayed (the same status for the same message again)
-- is stored once. Earlier duplicates are removed first.
DELETE FROM sms_receipts WHERE id NOT IN (SELECT MIN(id) FROM sms_receipts GROUP BY provider_message_id, status);
DROP INDEX sms_receipts_message_idx;
CREATE UNIQUE INDEX sms_receipts_once_idx ON sms_receipts (provider_message_id, status);

-- Texts people sent us, by the provider's id (Twilio's MessageSid), so that
-- a replayed webhook is recognised and does nothing: a YES counts once.
CREATE TABLE sms_inbound (
    message_sid TEXT PRIMARY KEY,
    received_at TIMESTAMP NOT NULL
);
