-- Baseline: every table, type, index, policy, grant and built-in row.
-- Functions are not here: they live in sql/functions/, applied after the
-- migrations (scripts/migrate.sh), so a migration never calls one.
--
-- Every tenant table leads with org_id in its primary key, unique
-- constraints and foreign keys (ready for Citus distribution by org_id).
-- Client ids are the keys. The service connects as amp_app, which owns
-- nothing: row-level security is a second wall behind the org_id that
-- every function filters on.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'amp_app') THEN
		CREATE ROLE amp_app NOLOGIN;
	END IF;
END
$$;

GRANT USAGE ON SCHEMA amp TO amp_app;
-- /readyz (amp.ready) reads which schema is in place.
GRANT SELECT ON amp.schema_migrations, amp.schema_version TO amp_app;
-- Every function the migrator creates may be called by the service; those
-- it must not call revoke it themselves (sql/functions/20_rollups.sql).
ALTER DEFAULT PRIVILEGES IN SCHEMA amp GRANT EXECUTE ON FUNCTIONS TO amp_app;

-- Campaigns, KPIs, events, results ----------------------------------------

CREATE TABLE amp.campaigns (
	org_id		text NOT NULL,
	id		text NOT NULL,
	name		text NOT NULL,
	incentive	text NOT NULL CHECK (incentive IN ('none', 'recognition',
			    'points', 'tangible', 'monetary', 'contest', 'quota')),
	contingency	text NOT NULL CHECK (contingency IN ('none', 'engagement',
			    'completion', 'performance')),
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz CHECK (ends_at > starts_at),
	channel		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);

CREATE TABLE amp.kpis (
	org_id		text NOT NULL,
	metric		text NOT NULL,
	name		text NOT NULL,
	unit		text,
	target		double precision CHECK (target > 0),
	period		text CHECK (period IN ('day', 'week', 'month', 'quarter',
			    'year')),
	direction	text NOT NULL CHECK (direction IN ('higher', 'lower')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, metric),
	CHECK (target IS NULL OR period IS NOT NULL)
);

CREATE TABLE amp.events (
	org_id		text NOT NULL,
	id		text NOT NULL,
	member		text NOT NULL,
	channel		text NOT NULL,
	action		text NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('consume', 'react', 'create',
			    'contribute', 'convert')),
	occurred_at	timestamptz NOT NULL,
	initiative	text NOT NULL CHECK (initiative IN ('self', 'prompted',
			    'incentivized')),
	rewarded	boolean NOT NULL,
	beneficiary	text NOT NULL CHECK (beneficiary IN ('self', 'others',
			    'community')),
	quality		double precision CHECK (quality BETWEEN 0 AND 1),
	level		smallint CHECK (level BETWEEN 1 AND 5),
	campaign	text,
	value		double precision,
	properties	jsonb,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, campaign) REFERENCES amp.campaigns (org_id, id)
);
CREATE INDEX events_time ON amp.events (org_id, occurred_at, id);
CREATE INDEX events_member ON amp.events (org_id, member, occurred_at, id);
CREATE INDEX events_campaign ON amp.events (org_id, campaign, occurred_at, id)
    WHERE campaign IS NOT NULL;

CREATE TABLE amp.results (
	org_id		text NOT NULL,
	id		text NOT NULL,
	metric		text NOT NULL,
	value		double precision NOT NULL,
	observed_at	timestamptz NOT NULL,
	channel		text,
	campaign	text,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, metric) REFERENCES amp.kpis (org_id, metric),
	FOREIGN KEY (org_id, campaign) REFERENCES amp.campaigns (org_id, id)
);
CREATE INDEX results_metric ON amp.results (org_id, metric, observed_at);

-- Rollups ---------------------------------------------------------------
--
-- Kept exact inside the ingest statement, so reads cost what the window
-- costs, not what the stored history costs (sql/functions/20_rollups.sql).
--
-- day_stats: per org, UTC day, channel and campaign ('' = none), the counts
-- autonomy, purpose, extrinsic pressure and the free-choice rate rest on.

CREATE TABLE amp.day_stats (
	org_id		text NOT NULL,
	day		date NOT NULL,
	channel		text NOT NULL,
	campaign	text NOT NULL,
	events		bigint NOT NULL DEFAULT 0,
	active		bigint NOT NULL DEFAULT 0,
	active_self	bigint NOT NULL DEFAULT 0,
	active_pressure	bigint NOT NULL DEFAULT 0,
	contrib		bigint NOT NULL DEFAULT 0,
	contrib_giving	bigint NOT NULL DEFAULT 0,
	free_choice	bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (org_id, day, channel, campaign)
) WITH (fillfactor = 70);
CREATE INDEX day_stats_campaign ON amp.day_stats (org_id, campaign, day)
    WHERE campaign <> '';

-- member_months: per org, member, UTC month, channel and campaign (and one
-- row of all channels and campaigns together, channel = campaign = '', so
-- an unfiltered read takes one row per member and month), arrays of
-- 31 running totals (day 1..d of the month) of events, competence-signalled
-- events, the signal sum, events of each depth, free-choice events and
-- active events under pressure (for crowding-out). Any span of days inside
-- a month is then two subscripts, so splitting a window into halves for
-- mastery reads a handful of rows per member, however dense the data.
CREATE TABLE amp.member_months (
	org_id		text NOT NULL,
	month		date NOT NULL,
	channel		text NOT NULL,
	campaign	text NOT NULL,
	member		text NOT NULL,
	ev		int[] NOT NULL,
	sig_n		int[] NOT NULL,
	sig_sum		float8[] NOT NULL,
	k1		int[] NOT NULL,	-- consume
	k2		int[] NOT NULL,	-- react
	k3		int[] NOT NULL,	-- create
	k4		int[] NOT NULL,	-- contribute
	fc		int[] NOT NULL,	-- free-choice events
	pr		int[] NOT NULL,	-- active events under pressure
	PRIMARY KEY (org_id, channel, month, campaign, member)
) PARTITION BY LIST (channel);
-- The all-channels rows apart: an unfiltered read's rows sit together in a
-- small table that stays in memory, whatever the volume of the others.
CREATE TABLE amp.member_months_all PARTITION OF amp.member_months
    FOR VALUES IN ('') WITH (fillfactor = 90);
CREATE TABLE amp.member_months_channels PARTITION OF amp.member_months
    DEFAULT WITH (fillfactor = 90);
CREATE INDEX member_months_campaign ON amp.member_months
    (org_id, campaign, month) WHERE campaign <> '';

-- One member's tallies of one UTC day, channel and campaign: what a batch
-- of events adds to (or, erased, takes from) member_months.
CREATE TYPE amp.member_log AS (
	org_id		text,
	day		date,
	channel		text,
	campaign	text,
	member		text,
	ev		int,
	sig_n		int,
	sig_sum		float8,
	k1		int,
	k2		int,
	k3		int,
	k4		int,
	fc		int,
	pr		int
);

-- The member log. Ingestion does not rewrite member_months rows itself
-- (that is most of an ingest's cost): each batch appends one row holding
-- its tallies as an array (stored out of line, uncompressed: writing it is
-- a copy), in the same transaction as the events. The compactor
-- (amp.compact_rollups, run by one worker, src/compactor.c) folds whole
-- batches into member_months; every read takes member_months plus the
-- batches not yet folded (amp.member_rollup), so reads are exact at every
-- instant.
CREATE TABLE amp.member_log_batch (
	org_id		text NOT NULL,
	-- Folding order.
	seq		bigserial NOT NULL,
	-- The days the tallies cover, for reads of the unfolded log.
	day_lo		date NOT NULL,
	day_hi		date NOT NULL,
	tallies		amp.member_log[] NOT NULL
);
ALTER TABLE amp.member_log_batch ALTER COLUMN tallies SET STORAGE EXTERNAL;
CREATE INDEX member_log_batch_org ON amp.member_log_batch (org_id, day_lo);
CREATE INDEX member_log_batch_seq ON amp.member_log_batch (seq);
-- Every row is deleted within seconds of its insertion: vacuum it often,
-- whatever its (small) size.
ALTER TABLE amp.member_log_batch SET (autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
GRANT USAGE ON SEQUENCE amp.member_log_batch_seq_seq TO amp_app;

-- Surveys ---------------------------------------------------------------
--
-- Built-in instruments live in a table without org_id, readable by every
-- org and writable by none (amp_app only gets SELECT): one row serves all
-- tenants, so no per-org copy has to be made or kept in step, and under
-- Citus it is a reference table. Reads union it with the org's own
-- instruments (amp.instrument_defs). Org instrument ids starting with
-- "amp-" are refused so that a future built-in can never collide with one.
--
-- Answers are stored as sent (an object item -> integer); scoring happens
-- at read time in C (src/core/summary.c) from each member's latest
-- response, so an instrument's index weights may change after responses
-- arrive, but its scale and items may not.

CREATE TABLE amp.builtin_instruments (
	id		text PRIMARY KEY,
	name		text NOT NULL,
	scale_min	int NOT NULL,
	scale_max	int NOT NULL CHECK (scale_max > scale_min),
	items		jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array'),
	index_weights	jsonb CHECK (jsonb_typeof(index_weights) = 'object'),
	created_at	timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON amp.builtin_instruments TO amp_app;

CREATE TABLE amp.instruments (
	org_id		text NOT NULL,
	id		text NOT NULL CHECK (lower(id) NOT LIKE 'amp-%'),
	name		text NOT NULL,
	scale_min	int NOT NULL,
	scale_max	int NOT NULL CHECK (scale_max > scale_min AND
			    scale_max - scale_min <= 10),
	items		jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array'),
	index_weights	jsonb CHECK (jsonb_typeof(index_weights) = 'object'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);

-- An instrument, built in or the org's own, as reads see it.
CREATE TYPE amp.instrument_def AS (id text, name text, builtin boolean,
    scale_min int, scale_max int, items jsonb, index_weights jsonb,
    created_at timestamptz, updated_at timestamptz);

-- No foreign key to the instrument: built-in ones have no org row. The
-- ingest statement checks the reference and locks org instruments.
CREATE TABLE amp.survey_responses (
	org_id		text NOT NULL,
	id		text NOT NULL,
	member		text NOT NULL,
	instrument	text NOT NULL,
	submitted_at	timestamptz NOT NULL,
	answers		jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'object'),
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);
-- The summary reads one instrument's responses in a window; erasure and
-- "latest per member" read by member.
CREATE INDEX survey_responses_window ON amp.survey_responses
    (org_id, instrument, submitted_at);
CREATE INDEX survey_responses_member ON amp.survey_responses
    (org_id, member, instrument, submitted_at);

CREATE TABLE amp.settings (
	org_id		text PRIMARY KEY,
	survey_min_group int NOT NULL DEFAULT 5 CHECK (survey_min_group >= 3),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- amp-pulse-1: our own wording, for members of a community, 1-7
-- agreement. Needs (autonomy, mastery, purpose) have a reverse-keyed item
-- each; reasons for taking part follow the self-determination continuum
-- (intrinsic, identified, introjected, external) with the Relative
-- Autonomy Index weights of Ryan & Connell (1989).
INSERT INTO amp.builtin_instruments (id, name, scale_min, scale_max, items,
    index_weights, created_at)
VALUES ('amp-pulse-1', 'ampmeter pulse: needs and reasons for taking part',
    1, 7, $items$[
	{"id": "aut1", "subscale": "autonomy", "reverse": false,
	 "text": "I take part in this community in ways I choose myself."},
	{"id": "aut2", "subscale": "autonomy", "reverse": false,
	 "text": "I can decide for myself what I work on here."},
	{"id": "aut3", "subscale": "autonomy", "reverse": true,
	 "text": "I often feel pushed into doing things here that I would not pick."},
	{"id": "mas1", "subscale": "mastery", "reverse": false,
	 "text": "I am getting better at the things I do here."},
	{"id": "mas2", "subscale": "mastery", "reverse": false,
	 "text": "Taking part here teaches me skills I care about."},
	{"id": "mas3", "subscale": "mastery", "reverse": true,
	 "text": "I seldom notice myself improving at anything here."},
	{"id": "pur1", "subscale": "purpose", "reverse": false,
	 "text": "What I contribute here helps other people."},
	{"id": "pur2", "subscale": "purpose", "reverse": false,
	 "text": "Someone is better off because of what I share here."},
	{"id": "pur3", "subscale": "purpose", "reverse": true,
	 "text": "What I do here makes little difference to anyone."},
	{"id": "int1", "subscale": "intrinsic", "reverse": false,
	 "text": "I take part because I enjoy it."},
	{"id": "int2", "subscale": "intrinsic", "reverse": false,
	 "text": "I take part because I find it interesting in itself."},
	{"id": "ide1", "subscale": "identified", "reverse": false,
	 "text": "I take part because it matters to me personally."},
	{"id": "ide2", "subscale": "identified", "reverse": false,
	 "text": "I take part because I think it is worth doing, even when it is not fun."},
	{"id": "inj1", "subscale": "introjected", "reverse": false,
	 "text": "I take part because I would feel guilty if I stepped back."},
	{"id": "inj2", "subscale": "introjected", "reverse": false,
	 "text": "I take part because I would think less of myself if I did not."},
	{"id": "ext1", "subscale": "external", "reverse": false,
	 "text": "I take part for the points, prizes or perks it brings."},
	{"id": "ext2", "subscale": "external", "reverse": false,
	 "text": "I take part because someone expects it of me and there would be consequences otherwise."}
    ]$items$::jsonb,
    '{"intrinsic": 2, "identified": 1, "introjected": -1, "external": -2}',
    '2026-01-01T00:00:00Z');

-- Beliefs tested against the data (sql/functions/70_evidence.sql) -------

CREATE TABLE amp.beliefs (
	org_id		text NOT NULL,
	id		text NOT NULL,
	statement	text NOT NULL,
	indicator	text NOT NULL CHECK (indicator IN ('autonomy', 'mastery',
			    'purpose', 'amp', 'extrinsic_pressure', 'results',
			    'free_choice_rate')),
	at		timestamptz,
	campaign	text,
	expect		text NOT NULL CHECK (expect IN ('increase', 'decrease')),
	window_days	int NOT NULL CHECK (window_days BETWEEN 3 AND 180),
	channel		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, campaign) REFERENCES amp.campaigns (org_id, id),
	CHECK ((at IS NULL) <> (campaign IS NULL))
);

-- Every tenant table: row-level security on org_id (set per statement by
-- amp.tenant), and the service role may read and write it, nothing more.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['campaigns', 'kpis', 'events', 'results',
	    'day_stats', 'member_months', 'member_log_batch', 'instruments',
	    'survey_responses', 'settings', 'beliefs'] LOOP
		EXECUTE format('ALTER TABLE amp.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant ON amp.%I USING '
		    '(org_id = current_setting(''amp.org'', true)) WITH CHECK '
		    '(org_id = current_setting(''amp.org'', true))', t);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON amp.%I '
		    'TO amp_app', t);
	END LOOP;
END
$$;
