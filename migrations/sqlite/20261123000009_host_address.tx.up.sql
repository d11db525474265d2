-- A host's home address, for carers whose stay is with them. Empty until a
-- coordinator enters it; hosts added before this have none yet.
ALTER TABLE hosts ADD COLUMN address TEXT NOT NULL DEFAULT '';
