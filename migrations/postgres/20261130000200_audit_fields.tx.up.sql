-- Changes to carers, people, hosts, homes, contracts and beds are audited
-- with the names of the fields changed (issue 14), never their values:
-- "needs" is recorded, not what the person's needs were or became. The
-- log stays append-only; adding a column changes no entry.
ALTER TABLE audit_log ADD COLUMN fields TEXT NOT NULL DEFAULT '';
