-- The audit log: every staff action that creates, changes or cancels a
-- booking or reads emergency data. Append-only: the database itself refuses
-- to change or delete an entry.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   INTEGER NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_kind, actor_id, at);
CREATE INDEX audit_log_target_idx ON audit_log (target_kind, target_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);

--bun:split

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

--bun:split

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
