-- Sessions end when they should (issue 18): a password change bumps the user's token generation,
-- which every API token carries, so earlier tokens stop working, except the one token that made
-- the change (its id kept in kept_token_id); a browser session ends after
-- CONDUIT_SESSION_IDLE_MINUTES without a request, renewed as it is used.
ALTER TABLE users ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN kept_token_id TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
-- Sessions open at the upgrade count as seen now, so none ends at once for idleness.
UPDATE sessions SET last_seen_at = (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
-- Every new session names its time: the default was only there to add the column.
ALTER TABLE sessions ALTER COLUMN last_seen_at DROP DEFAULT;
