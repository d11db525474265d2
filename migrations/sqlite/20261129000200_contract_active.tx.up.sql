-- A contract can be made inactive (ended early, or entered by mistake): its
-- beds are then offered to nobody. Contracts recorded before this are active.
ALTER TABLE contracts ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
