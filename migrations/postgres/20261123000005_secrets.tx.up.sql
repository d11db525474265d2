-- Secrets the service makes for itself on first start and every instance
-- shares, such as the key that sign-in code hashes are made with.
CREATE TABLE app_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
