-- What the commissioners' reports need that was not yet recorded (issue 13).
--
-- Unmet demand. A row of unmet_searches is a stay someone looked for and
-- found nothing for. Now it also says whose search it was (person_id and
-- carer_id: NULL for rows recorded before this migration) and its kind:
-- 'planned' (a carer's or staff member's search for a stay ahead) or
-- 'emergency' (duty staff found no bed or host tonight, only homes to ring
-- for a spot purchase). "A carer who searches again for the same stay
-- counts once": the unique key below makes a repeat search of the same
-- person, dates and kind insert nothing (INSERT ... ON CONFLICT DO NOTHING),
-- so every row is one unmet stay and reports count rows; searched_at is the
-- first search. area is the postcode district (outward code, "LS6") of the
-- carer's home, as before.
ALTER TABLE unmet_searches ADD COLUMN person_id INTEGER REFERENCES people (id);
ALTER TABLE unmet_searches ADD COLUMN carer_id INTEGER REFERENCES carers (id);
ALTER TABLE unmet_searches ADD COLUMN kind TEXT NOT NULL DEFAULT 'planned' CHECK (kind IN ('planned', 'emergency'));
CREATE UNIQUE INDEX unmet_searches_once_idx ON unmet_searches (person_id, arrive, depart, kind);
CREATE INDEX unmet_searches_searched_idx ON unmet_searches (searched_at);

-- Feedback: a carer's replies to the day-after text (template
-- stay_follow_up), matched by their mobile to their most recent stay that
-- got one in the last 14 days. One row per stay: rating is the latest reply
-- of 1 to 5 (NULL until one comes), comment the words of every reply, in
-- order (only staff may read it), replies how many texts came, received_at
-- the first reply and last_reply_at the latest.
CREATE TABLE stay_feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id    INTEGER NOT NULL UNIQUE REFERENCES bookings (id),
    carer_id      INTEGER NOT NULL REFERENCES carers (id),
    rating        INTEGER CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT NOT NULL,
    replies       INTEGER NOT NULL CHECK (replies >= 1),
    received_at   TIMESTAMP NOT NULL,
    last_reply_at TIMESTAMP NOT NULL
);
CREATE INDEX stay_feedback_received_idx ON stay_feedback (received_at);
