-- Texts delivered once (issue 11).
--
-- A try whose outcome is unknown (the provider took the request but no answer
-- came back, or the dispatcher stopped mid-send) is now checked with the
-- provider before any resend: such a message is 'checking'. tried_at is when
-- its latest try was claimed, so the check knows from when to look, and
-- claimed_by names the claim, so a dispatcher whose lease has run out cannot
-- overwrite what another has since recorded.
ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_status_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_status_check
    CHECK (status IN ('queued', 'sending', 'checking', 'sent', 'delivered', 'undelivered', 'failed', 'suppressed'));
ALTER TABLE sms_messages ADD COLUMN claimed_by TEXT;
ALTER TABLE sms_messages ADD COLUMN tried_at TIMESTAMPTZ;
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
    received_at TIMESTAMPTZ NOT NULL
);
