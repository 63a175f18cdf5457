-- Connectors: a platform's webhook deliveries become events
-- (sql/functions/80_connectors.sql). pgcrypto gives the HMAC that
-- verifies a delivery's signature; it is a trusted extension, so the
-- database owner that runs migrations may create it.
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA amp;

-- One connector per org and platform. The secret is kept as the HMAC key
-- (the platform signs with it, so a hash of it could verify nothing): the
-- service role may write it but not read it (column privileges), and only
-- amp.github_signed, running as the owner, compares a signature with it.
CREATE TABLE amp.connectors (
	org_id		text NOT NULL,
	platform	text NOT NULL CHECK (platform IN ('github')),
	secret		bytea NOT NULL,
	staff		text[] NOT NULL DEFAULT '{}',
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, platform)
);

ALTER TABLE amp.connectors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON amp.connectors USING
    (org_id = current_setting('amp.org', true)) WITH CHECK
    (org_id = current_setting('amp.org', true));
GRANT SELECT (org_id, platform, staff, created_at, updated_at),
    INSERT, UPDATE, DELETE ON amp.connectors TO amp_app;
