-- The allowance counts a carer's live holds on every hold and confirm.
CREATE INDEX holds_carer_idx ON holds (carer_id, expires_at);
