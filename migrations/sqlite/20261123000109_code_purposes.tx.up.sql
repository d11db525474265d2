-- One-time codes texted to a number now prove more than a sign-in: a carer
-- changing their mobile confirms the new number with one. Each code says
-- what it is for, and a code made for a signed-in person names them, so it
-- works only for that purpose and that person. Sign-in codes (made before
-- this, and after) have purpose 'sign_in' and no subject.
ALTER TABLE sign_in_codes ADD COLUMN purpose TEXT NOT NULL DEFAULT 'sign_in';
ALTER TABLE sign_in_codes ADD COLUMN subject_kind TEXT;
ALTER TABLE sign_in_codes ADD COLUMN subject_id INTEGER;
-- Finds a person's newest code for a purpose.
CREATE INDEX sign_in_codes_subject_idx ON sign_in_codes (subject_kind, subject_id, purpose, id);
