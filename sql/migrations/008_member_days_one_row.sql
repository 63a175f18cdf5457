-- member_days keeps one row per member, local day, channel and campaign,
-- and no longer a second row of all channels and campaigns together
-- (channel = campaign = ''). For long-tail communities most member-days
-- have one channel, so that row doubled what every ingest batch upserts
-- (and, on Citus, what goes through intermediate results) for reads that
-- can add up the channel rows of a member instead (issues #13, #14).
-- The table was partitioned only to keep those rows apart: what remains is
-- the partition of channel rows, now the table itself.
ALTER TABLE amp.member_days DETACH PARTITION amp.member_days_channels;
DROP TABLE amp.member_days;
ALTER TABLE amp.member_days_channels RENAME TO member_days;
ALTER INDEX amp.member_days_channels_pkey RENAME TO member_days_pkey;
ALTER INDEX amp.member_days_channels_org_id_campaign_day_idx
    RENAME TO member_days_campaign;
ALTER TABLE amp.member_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON amp.member_days USING
    (org_id = current_setting('amp.org', true)) WITH CHECK
    (org_id = current_setting('amp.org', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON amp.member_days TO amp_app;
