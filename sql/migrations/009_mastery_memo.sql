-- The mastery tallies of a window, kept once computed (issue #13).
--
-- Mastery compares the halves of a window member by member: a read groups
-- every member-day of the window, which at 100 000 members is some 10^6
-- rows, however few the window's counts. A dashboard asks for the same
-- window again and again; what it gets is now kept per window and filter
-- with the state of the data it was computed from (its stamp), and taken
-- again only while that state is unchanged, so a read stays exact.
--
-- The stamp is the org's rollup generation and the window's event total.
-- Between two erasures (or re-derivations, as a change of zone makes)
-- rollups only grow: any event that changes a member row of the window
-- adds to the window's total. An erasure or a re-derivation takes a new
-- generation (amp.rollup_generation), so nothing kept before it matches.
CREATE TABLE amp.mastery_memo (
	org_id		text NOT NULL,
	zone		text NOT NULL,
	day_from	date NOT NULL,
	day_to		date NOT NULL,
	channel		text NOT NULL,	-- '' for every channel
	campaign	text NOT NULL,	-- '' for every campaign
	stamp		text NOT NULL,
	doc		jsonb NOT NULL,
	made_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, zone, day_from, day_to, channel, campaign)
);
-- What is not asked for again goes after a day (amp.windows_data).
CREATE INDEX mastery_memo_made ON amp.mastery_memo (org_id, made_at);

CREATE TABLE amp.rollup_generation (
	org_id		text PRIMARY KEY,
	gen		bigint NOT NULL
);

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['mastery_memo', 'rollup_generation'] LOOP
		EXECUTE format('ALTER TABLE amp.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant ON amp.%I USING '
		    '(org_id = current_setting(''amp.org'', true)) WITH CHECK '
		    '(org_id = current_setting(''amp.org'', true))', t);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON amp.%I '
		    'TO amp_app', t);
	END LOOP;
END
$$;
