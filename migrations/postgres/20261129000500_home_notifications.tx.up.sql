-- Care homes kept informed (issue 12).
--
-- A home's notifications mobile: where its texts go (a stay booked, changed
-- or cancelled, and each morning's arrivals and departures). Empty when the
-- home has none; staff pages then say to ring the home instead. Checked as a
-- mobile, in E.164, by the providers service.
ALTER TABLE providers ADD COLUMN notifications_mobile TEXT NOT NULL DEFAULT '';

-- Quiet hours hold back only the texts the system starts on its own
-- (reminders, nudges, notices about stays more than a day away), decided per
-- message when it is queued; a text answering what someone has just done
-- goes at once, day or night. Until now every text that was not urgent
-- waited, so the messages already queued keep waiting as they were.
ALTER TABLE sms_messages ADD COLUMN waits_for_daytime BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE sms_messages SET waits_for_daytime = TRUE WHERE NOT urgent;
