-- Rollups: kept exact inside the ingest statement, so reads cost what the
-- window costs, not what the stored history costs. The table day_stats
-- (described in sql/migrations/001_baseline.sql) is by the org's own days,
-- in its time zone (amp.org_zone).
--
-- Ingestion adds a batch's day counts to day_stats in its own transaction
-- (amp.rollup_apply): there is no log to fold and no backlog, and reads
-- (amp.windows_data) take the rows of their window. What is counted per
-- member (mastery, survey groups, campaign impact) is read from the events
-- of the window through the events' time index: in a long-tail community
-- a member has about one event a day, so a table of member-day tallies
-- (amp.member_days until migration 011) held as many rows as the events
-- and doubled what each ingest batch wrote (issue #13).
--
-- ZONE, an advisory lock per org keyed (7245013, hashtext(org)):
-- ingestion and erasure hold it shared while they apply rollups in the
-- org's zone; a change of zone holds it exclusively while it re-derives
-- the rollups, so no batch is applied in a zone that is no longer the
-- org's. Per org, so that under Citus it is taken on the org's node.

-- The deepest kind with a tally (consume 1 .. contribute 4), 0 for none.
CREATE OR REPLACE FUNCTION amp.deepest(k1 float8, k2 float8, k3 float8,
    k4 float8) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN k4 > 0 THEN 4 WHEN k3 > 0 THEN 3 WHEN k2 > 0 THEN 2
	    WHEN k1 > 0 THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION amp.depth(kind text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE kind WHEN 'consume' THEN 1 WHEN 'react' THEN 2
	    WHEN 'create' THEN 3 WHEN 'contribute' THEN 4 ELSE 0 END
$$;

-- The competence signal: quality, else (level - 1) / 4, else none.
CREATE OR REPLACE FUNCTION amp.signal(quality float8, level smallint)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(quality, (level - 1) / 4.0)
$$;

-- Rollup deltas of a set of events: what they add to (sign 1) or, erased,
-- take from (sign -1) the rollups. Ingestion, erasure and the consistency
-- check all use these two functions, so the rollups have one definition.
CREATE OR REPLACE FUNCTION amp.day_deltas(p amp.events[], p_zone text)
RETURNS TABLE (day date, channel text, campaign text, events bigint,
    active bigint, active_self bigint, active_pressure bigint,
    contrib bigint, contrib_giving bigint, free_choice bigint)
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.day_floor(e.occurred_at, p_zone), e.channel,
	    coalesce(e.campaign, ''), count(*),
	    count(*) FILTER (WHERE k.a),
	    count(*) FILTER (WHERE k.a AND e.initiative = 'self'),
	    count(*) FILTER (WHERE k.a AND (e.initiative = 'incentivized'
		OR e.rewarded)),
	    count(*) FILTER (WHERE k.c),
	    count(*) FILTER (WHERE k.c AND e.beneficiary <> 'self'
		AND NOT e.rewarded),
	    count(*) FILTER (WHERE k.a AND e.initiative = 'self'
		AND NOT e.rewarded AND e.campaign IS NULL)
	FROM unnest(p) AS e,
	    LATERAL (SELECT e.kind IN ('react', 'create', 'contribute') AS a,
		e.kind IN ('create', 'contribute') AS c) k
	GROUP BY 1, 2, 3
$$;

-- Advances the org's rollup generation and locks every window kept for
-- the org (amp.mastery_memo, whose stamps name the generation), in key
-- order, as readers that keep mastery take them, so the two cannot
-- deadlock; answers the new generation. The generation only grows:
-- nothing deletes its row but the erasure of the whole org, which bumps
-- it instead (scripts/demo/erase.sql).
CREATE OR REPLACE FUNCTION amp.advance_generation(p_org text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	g bigint;
BEGIN
	INSERT INTO amp.rollup_generation AS r (org_id, gen)
	VALUES (p_org, 1)
	ON CONFLICT (org_id) DO UPDATE SET gen = r.gen + 1
	RETURNING r.gen INTO g;
	PERFORM FROM (SELECT FROM amp.mastery_memo k WHERE k.org_id = p_org
	    ORDER BY k.zone, k.day_from, k.day_to, k.channel, k.campaign
	    FOR UPDATE) x;
	RETURN g;
END
$$;

-- A new rollup generation of the org: its rollups are about to be
-- derived afresh (or the org goes), so no mastery kept from before
-- matches any more, and what was kept goes.
CREATE OR REPLACE FUNCTION amp.new_generation(p_org text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM amp.advance_generation(p_org);
	DELETE FROM amp.mastery_memo k WHERE k.org_id = p_org;
END
$$;

-- Takes erased events (p, deleted by the caller's transaction) out of the
-- mastery kept for the org's windows, in the caller's transaction, so a
-- window read before an erasure is not counted whole again after it (at
-- 10^7 events that is seconds a window, and minutes for a page of
-- beliefs). Each kept window counted the erased members' events it saw:
-- every committed one for a followed window (kept exact at every commit),
-- those its snapshot saw for another. Each such member's mastery is taken
-- out of the window and put back as its events still stored (any a batch
-- committed after the caller's DELETE looked) make it, its kept tallies
-- likewise, and the window's stamp loses the erased events it counted.
-- The kept windows are locked first (amp.advance_generation); once they
-- are, no batch that folded into a followed window is still to commit, so
-- the events read here are all those a followed window counted.
--
-- The org's rollup generation advances and every kept window takes the
-- new one in its stamp: a window a reader counted from a snapshot that
-- still saw the erased events, and keeps after this commits, bears the
-- generation before, so it is neither taken nor brought up to date
-- (amp.windows_data), and goes at the next erasure: brought along, it
-- would pass for exact. A window without a snapshot (kept before
-- migration 012), one of another zone (a change of zone re-derives
-- everything anyway), or all of them when the erased members' events
-- times the kept windows pass 5 x 10^7 (seconds of work, more than
-- counting again), go instead, as amp.new_generation has them go.
CREATE OR REPLACE FUNCTION amp.erase_kept(p_org text, p amp.events[],
    p_zone text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	g bigint;
	n bigint;
	who text[] := ARRAY(SELECT DISTINCT e.member FROM unnest(p) e);
	adj jsonb;
	rows amp.mastery_members[];
BEGIN
	g := amp.advance_generation(p_org);
	SELECT count(*) INTO n FROM amp.mastery_memo k
	WHERE k.org_id = p_org;
	DELETE FROM amp.mastery_memo k
	WHERE k.org_id = p_org AND (n * (cardinality(p) + 1) > 50000000
	    OR k.zone <> p_zone
	    OR (k.snap IS NULL AND NOT k.followed)
	    OR split_part(k.stamp, ':', 1) <> (g - 1)::text);
	-- A statement of its own, after the lock: the erased members'
	-- events still stored are those committed by now.
	WITH w AS MATERIALIZED (
		-- Written out, not a function's: under Citus this statement
		-- runs on the org's shards, where a function querying
		-- mastery_memo would read its empty distributed table.
		SELECT k.day_from, k.day_to, k.channel, k.campaign, k.followed,
		    k.snap, k.doc, k.stamp,
		    k.day_from + (k.day_to - k.day_from) / 2 AS mid
		FROM amp.mastery_memo k
		WHERE k.org_id = p_org AND k.zone = p_zone
	), ev AS MATERIALIZED (
		SELECT e.member, amp.day_floor(e.occurred_at, p_zone) AS day,
		    e.channel, coalesce(e.campaign, '') AS campaign,
		    amp.signal(e.quality, e.level) AS sig,
		    amp.depth(e.kind) AS depth, e.xact, true AS gone
		FROM unnest(p) e
		UNION ALL
		SELECT y.member, amp.day_floor(y.occurred_at, p_zone),
		    y.channel, coalesce(y.campaign, ''),
		    amp.signal(y.quality, y.level), amp.depth(y.kind), y.xact,
		    false
		FROM amp.events y
		WHERE y.org_id = p_org AND y.member = ANY (who)
	), wd AS (
		-- Every day of every window: events meet windows by equality
		-- (hashed), not each event every window.
		SELECT w.*, w.day_from + x.n AS day
		FROM w, generate_series(0, w.day_to - w.day_from - 1) x(n)
	), seen AS (
		-- What each window counted of them, and which half it is in.
		SELECT wd.day_from, wd.day_to, wd.channel AS wch,
		    wd.campaign AS wca, ev.*, ev.day < wd.mid AS h1,
		    (wd.channel = '' OR ev.channel = wd.channel)
			AND (wd.campaign = '' OR ev.campaign = wd.campaign) AS k
		FROM wd JOIN ev ON ev.day = wd.day
		WHERE wd.followed OR ev.xact IS NULL
		    OR pg_visible_in_snapshot(ev.xact::text::xid8, wd.snap)
	), t AS (
		-- Each member's tallies per window, before (every event it
		-- counted) and after (those still stored).
		SELECT s.day_from, s.day_to, s.wch, s.wca, s.member,
		    ROW(s.member, (count(*) FILTER (WHERE s.h1))::int,
			(count(*) FILTER (WHERE NOT s.h1))::int,
			(count(s.sig) FILTER (WHERE s.h1))::int,
			(count(s.sig) FILTER (WHERE NOT s.h1))::int,
			coalesce(sum(s.sig) FILTER (WHERE s.h1), 0),
			coalesce(sum(s.sig) FILTER (WHERE NOT s.h1), 0),
			max(s.depth) FILTER (WHERE s.h1),
			max(s.depth) FILTER (WHERE NOT s.h1))::amp.tally AS was,
		    ROW(s.member,
			(count(*) FILTER (WHERE s.h1 AND NOT s.gone))::int,
			(count(*) FILTER (WHERE NOT s.h1 AND NOT s.gone))::int,
			(count(s.sig) FILTER (WHERE s.h1 AND NOT s.gone))::int,
			(count(s.sig) FILTER (WHERE NOT s.h1
			    AND NOT s.gone))::int,
			coalesce(sum(s.sig) FILTER (WHERE s.h1 AND NOT s.gone), 0),
			coalesce(sum(s.sig) FILTER (WHERE NOT s.h1
			    AND NOT s.gone), 0),
			max(s.depth) FILTER (WHERE s.h1 AND NOT s.gone),
			max(s.depth) FILTER (WHERE NOT s.h1 AND NOT s.gone)
			)::amp.tally AS now
		FROM seen s
		WHERE s.k
		GROUP BY 1, 2, 3, 4, 5
	), b AS (
		SELECT t.*, amp.mastery_bits((t.was).e1, (t.was).e2,
			(t.was).n1, (t.was).n2, (t.was).s1, (t.was).s2,
			(t.was).d1, (t.was).d2) AS bw,
		    amp.mastery_bits((t.now).e1, (t.now).e2, (t.now).n1,
			(t.now).n2, (t.now).s1, (t.now).s2, (t.now).d1,
			(t.now).d2) AS bn
		FROM t
	), judged AS (
		SELECT b.day_from, b.day_to, b.wch, b.wca,
		    sum((b.bn & 1) - (b.bw & 1)) AS q,
		    sum((b.bn >> 1 & 1) - (b.bw >> 1 & 1)) AS i,
		    sum((b.bn >> 2 & 1) - (b.bw >> 2 & 1)) AS l,
		    sum((b.bn >> 3 & 1) - (b.bw >> 3 & 1)) AS c
		FROM b
		GROUP BY 1, 2, 3, 4
	), counted AS (
		-- Every erased event a window saw of its days left its stamp.
		SELECT s.day_from, s.day_to, s.wch, s.wca, count(*) AS n
		FROM seen s
		WHERE s.gone
		GROUP BY 1, 2, 3, 4
	)
	SELECT jsonb_agg(jsonb_build_object('f', w.day_from, 't', w.day_to,
		'ch', w.channel, 'ca', w.campaign,
		'stamp', g || ':' || (split_part(w.stamp, ':', 2)::bigint
		    - coalesce(c.n, 0)),
		'doc', amp.mastery_plus(w.doc, j.q, j.i, j.l, j.c))),
	    (SELECT array_agg(ROW(p_org, p_zone, b.day_from, b.day_to, b.wch,
		b.wca, b.member, b.now, 0)::amp.mastery_members) FROM b)
	INTO adj, rows
	FROM w
	LEFT JOIN judged j ON j.day_from = w.day_from AND j.day_to = w.day_to
	    AND j.wch = w.channel AND j.wca = w.campaign
	LEFT JOIN counted c ON c.day_from = w.day_from
	    AND c.day_to = w.day_to AND c.wch = w.channel
	    AND c.wca = w.campaign;
	IF adj IS NULL THEN
		RETURN;
	END IF;
	UPDATE amp.mastery_memo o SET stamp = a.stamp, doc = a.doc
	FROM jsonb_to_recordset(adj) AS a(f date, t date, ch text, ca text,
	    stamp text, doc jsonb)
	WHERE o.org_id = p_org AND o.zone = p_zone AND o.day_from = a.f
	    AND o.day_to = a.t AND o.channel = a.ch AND o.campaign = a.ca;
	-- The members' kept tallies (a window keeps those of its snapshot):
	-- as their events still stored make them, none for none.
	DELETE FROM amp.mastery_members k
	USING unnest(rows) r
	WHERE k.org_id = p_org AND k.zone = p_zone
	    AND k.day_from = r.day_from AND k.day_to = r.day_to
	    AND k.channel = r.channel AND k.campaign = r.campaign
	    AND k.member = r.member AND (r.t).e1 + (r.t).e2 = 0;
	UPDATE amp.mastery_members k SET t = r.t
	FROM unnest(rows) r
	WHERE k.org_id = p_org AND k.zone = p_zone
	    AND k.day_from = r.day_from AND k.day_to = r.day_to
	    AND k.channel = r.channel AND k.campaign = r.campaign
	    AND k.member = r.member AND (r.t).e1 + (r.t).e2 > 0;
END
$$;

-- Adds a batch's events to the mastery kept for the org's followed windows
-- (sql/migrations/016_followed_windows.sql) of the batch's days, in the
-- caller's transaction: a read then takes what is kept as it is. The
-- followed windows are locked first, in key order, as every other locker
-- of kept windows takes them (amp.lock_memos, amp.advance_generation): the
-- batches folding into a window follow one another, each from what the
-- last committed (read after the lock, in a statement of its own). A
-- followed window keeps the tallies of every member of it, so a member
-- with no row had none. Its stamp counts every event of its days, as a
-- read counts them (amp.windows_data): this batch's too. Generic plans
-- serve (every batch has one shape; planning each anew cost a fifth of the
-- fold).
CREATE OR REPLACE FUNCTION amp.fold_followed(p_org text, p amp.events[],
    p_zone text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lo date;
	hi date;
BEGIN
	SELECT min(x.day), max(x.day) INTO lo, hi
	FROM (SELECT amp.day_floor(e.occurred_at, p_zone) AS day
	    FROM unnest(p) e) x;
	PERFORM FROM (SELECT FROM amp.mastery_memo o
	    WHERE o.org_id = p_org AND o.zone = p_zone AND o.followed
		AND o.day_from <= hi AND o.day_to > lo
	    ORDER BY o.day_from, o.day_to, o.channel, o.campaign
	    FOR UPDATE) x;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	-- A window no dashboard has asked for in half an hour is not
	-- followed any more: it goes (a read counts it again).
	DELETE FROM amp.mastery_memo o
	WHERE o.org_id = p_org AND o.zone = p_zone AND o.followed
	    AND o.day_from <= hi AND o.day_to > lo
	    AND o.made_at < now() - interval '30 minutes';
	WITH w AS MATERIALIZED (
		SELECT o.day_from, o.day_to, o.channel, o.campaign,
		    o.day_from + (o.day_to - o.day_from) / 2 AS mid
		FROM amp.mastery_memo o
		WHERE o.org_id = p_org AND o.zone = p_zone AND o.followed
		    AND o.day_from <= hi AND o.day_to > lo
	), ev AS MATERIALIZED (
		SELECT e.member, amp.day_floor(e.occurred_at, p_zone) AS day,
		    e.channel, coalesce(e.campaign, '') AS campaign,
		    amp.signal(e.quality, e.level) AS sig,
		    amp.depth(e.kind) AS depth
		FROM unnest(p) e
	), d AS MATERIALIZED (
		-- Each member's tallies of the batch, per window.
		SELECT w.day_from, w.day_to, w.channel, w.campaign, ev.member,
		    (count(*) FILTER (WHERE ev.day < w.mid))::int AS e1,
		    (count(*) FILTER (WHERE ev.day >= w.mid))::int AS e2,
		    (count(ev.sig) FILTER (WHERE ev.day < w.mid))::int AS n1,
		    (count(ev.sig) FILTER (WHERE ev.day >= w.mid))::int AS n2,
		    coalesce(sum(ev.sig) FILTER (WHERE ev.day < w.mid), 0) AS s1,
		    coalesce(sum(ev.sig) FILTER (WHERE ev.day >= w.mid), 0) AS s2,
		    max(ev.depth) FILTER (WHERE ev.day < w.mid) AS d1,
		    max(ev.depth) FILTER (WHERE ev.day >= w.mid) AS d2
		FROM w JOIN ev ON ev.day >= w.day_from AND ev.day < w.day_to
		    AND (w.channel = '' OR ev.channel = w.channel)
		    AND (w.campaign = '' OR ev.campaign = w.campaign)
		GROUP BY 1, 2, 3, 4, 5
	), kept AS (
		-- Each member's tallies grow by the batch's (a member new to
		-- the window had none), in key order, and their mastery before
		-- (was: 0 for a new one) and now come back. One statement, one
		-- probe of the key per member.
		INSERT INTO amp.mastery_members AS m
		SELECT p_org, p_zone, d.day_from, d.day_to, d.channel,
		    d.campaign, d.member, ROW(d.member, d.e1, d.e2, d.n1, d.n2,
			d.s1, d.s2, d.d1, d.d2)::amp.tally, 0
		FROM d
		ORDER BY d.day_from, d.day_to, d.channel, d.campaign, d.member
		ON CONFLICT (org_id, zone, day_from, day_to, channel, campaign,
		    member) DO UPDATE SET
		    t = ROW(m.member, (m.t).e1 + (excluded.t).e1,
			(m.t).e2 + (excluded.t).e2, (m.t).n1 + (excluded.t).n1,
			(m.t).n2 + (excluded.t).n2, (m.t).s1 + (excluded.t).s1,
			(m.t).s2 + (excluded.t).s2,
			greatest((m.t).d1, (excluded.t).d1),
			greatest((m.t).d2, (excluded.t).d2))::amp.tally,
		    was = amp.mastery_bits((m.t).e1, (m.t).e2, (m.t).n1,
			(m.t).n2, (m.t).s1, (m.t).s2, (m.t).d1, (m.t).d2)
		RETURNING m.day_from, m.day_to, m.channel, m.campaign, m.was,
		    amp.mastery_bits((m.t).e1, (m.t).e2, (m.t).n1, (m.t).n2,
			(m.t).s1, (m.t).s2, (m.t).d1, (m.t).d2) AS now
	), judged AS (
		SELECT x.day_from, x.day_to, x.channel, x.campaign,
		    sum((x.now & 1) - (x.was & 1)) AS q,
		    sum((x.now >> 1 & 1) - (x.was >> 1 & 1)) AS i,
		    sum((x.now >> 2 & 1) - (x.was >> 2 & 1)) AS l,
		    sum((x.now >> 3 & 1) - (x.was >> 3 & 1)) AS c
		FROM kept x
		GROUP BY 1, 2, 3, 4
	), counted AS (
		-- Every event of the window's days counts in its stamp.
		SELECT w.day_from, w.day_to, w.channel, w.campaign, count(*) AS n
		FROM w JOIN ev ON ev.day >= w.day_from AND ev.day < w.day_to
		GROUP BY 1, 2, 3, 4
	), fresh AS (
		-- Computed here, not in the UPDATE: Citus calls no function
		-- that is not immutable on a column in a statement that
		-- writes.
		SELECT c.day_from, c.day_to, c.channel, c.campaign,
		    split_part(o.stamp, ':', 1) || ':'
			|| (split_part(o.stamp, ':', 2)::bigint + c.n) AS stamp,
		    amp.mastery_plus(o.doc, j.q, j.i, j.l, j.c) AS doc
		FROM counted c
		JOIN amp.mastery_memo o ON o.org_id = p_org
		    AND o.zone = p_zone AND o.day_from = c.day_from
		    AND o.day_to = c.day_to AND o.channel = c.channel
		    AND o.campaign = c.campaign
		LEFT JOIN judged j ON j.day_from = c.day_from
		    AND j.day_to = c.day_to AND j.channel = c.channel
		    AND j.campaign = c.campaign
	)
	UPDATE amp.mastery_memo o SET stamp = f.stamp, doc = f.doc
	FROM fresh f
	WHERE o.org_id = p_org AND o.zone = p_zone AND o.day_from = f.day_from
	    AND o.day_to = f.day_to AND o.channel = f.channel
	    AND o.campaign = f.campaign;
END
$$;

-- Adds (sign 1) or takes away (sign -1) a set of events from the rollups,
-- by the org's days, in the caller's transaction: what reads see is
-- exact as soon as it commits. Rows are touched table by table in one
-- order (an erasure's rollup_generation row, then every kept window of
-- the org, then their members it changes; or a batch's followed windows
-- and their members; then day_stats, then amp.channel_apply's
-- channel_stats), each in key order, or, for an erasure's members, under
-- every window's lock, so concurrent batches and erasures cannot
-- deadlock; the rows every batch of a day shares are held, and other
-- batches wait for them, only from there to the commit. Erasure
-- subtracts the erased events' counts rather than recounting the days: an
-- event that a concurrent batch commits meanwhile (invisible to the
-- erasure's DELETE, so it stays stored) keeps its share.
CREATE OR REPLACE FUNCTION amp.rollup_apply(p_org text, p amp.events[],
    p_sign int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
BEGIN
	IF p IS NULL OR cardinality(p) = 0 THEN
		RETURN;
	END IF;
	-- The zone is read after the lock: a change of zone that committed
	-- meanwhile has re-derived the rollups without these events (they
	-- were not committed), and they go in by the new zone.
	PERFORM pg_advisory_xact_lock_shared(7245013, hashtext(p_org));
	zone := amp.org_zone(p_org);
	IF p_sign < 0 THEN
		-- First: concurrent erasures of the org queue here.
		PERFORM amp.erase_kept(p_org, p, zone);
	ELSE
		PERFORM amp.fold_followed(p_org, p, zone);
	END IF;
	INSERT INTO amp.day_stats AS t (org_id, day, channel, campaign, events,
	    active, active_self, active_pressure, contrib, contrib_giving,
	    free_choice)
	SELECT p_org, x.day, x.channel, x.campaign, p_sign * x.events,
	    p_sign * x.active, p_sign * x.active_self, p_sign * x.active_pressure,
	    p_sign * x.contrib, p_sign * x.contrib_giving, p_sign * x.free_choice
	FROM amp.day_deltas(p, zone) x
	ORDER BY x.day, x.channel, x.campaign
	ON CONFLICT (org_id, day, channel, campaign) DO UPDATE SET
	    events = t.events + excluded.events,
	    active = t.active + excluded.active,
	    active_self = t.active_self + excluded.active_self,
	    active_pressure = t.active_pressure + excluded.active_pressure,
	    contrib = t.contrib + excluded.contrib,
	    contrib_giving = t.contrib_giving + excluded.contrib_giving,
	    free_choice = t.free_choice + excluded.free_choice;
	IF p_sign < 0 THEN
		DELETE FROM amp.day_stats d
		WHERE d.org_id = p_org AND d.events = 0;
	END IF;
END
$$;

-- Consistency check of the kept mastery (amp.check_rollups): each window
-- kept in the org's current rollup generation and zone, which reads take
-- as it is or bring up to date, against its members' tallies counted
-- from the raw events it is exact for (all of them for a followed window,
-- those its snapshot saw for another), and each member's kept tallies
-- against the same count (signal sums to 1e-9 of the sum, and at least
-- to 1e-9: ingestion adds them up batch by batch, in another order than
-- the count, and for a member with 10^5 events in a window the two came
-- out more than 1e-9 apart). Lists what differs (none when consistent).
-- It reads the events of every kept window: for the tests and for
-- operators, not for a large org's every minute.
CREATE OR REPLACE FUNCTION amp.check_kept(p_org text, p_zone text)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	gen bigint;
	diff jsonb;
BEGIN
	gen := amp.read_generation(p_org);
	WITH w AS MATERIALIZED (
		SELECT k.day_from, k.day_to, k.channel, k.campaign, k.followed,
		    k.complete, k.snap, k.doc,
		    k.day_from + (k.day_to - k.day_from) / 2 AS mid
		FROM amp.mastery_memo k
		WHERE k.org_id = p_org AND k.zone = p_zone
		    AND (k.followed OR k.snap IS NOT NULL)
		    AND split_part(k.stamp, ':', 1) = gen::text
	), t AS (
		SELECT w.day_from, w.day_to, w.channel, w.campaign, y.member,
		    ROW(y.member,
			(count(*) FILTER (WHERE x.day < w.mid))::int,
			(count(*) FILTER (WHERE x.day >= w.mid))::int,
			(count(x.sig) FILTER (WHERE x.day < w.mid))::int,
			(count(x.sig) FILTER (WHERE x.day >= w.mid))::int,
			coalesce(sum(x.sig) FILTER (WHERE x.day < w.mid), 0),
			coalesce(sum(x.sig) FILTER (WHERE x.day >= w.mid), 0),
			max(x.depth) FILTER (WHERE x.day < w.mid),
			max(x.depth) FILTER (WHERE x.day >= w.mid))::amp.tally
			AS t
		FROM w
		JOIN amp.events y ON y.org_id = p_org
		    AND y.occurred_at >= amp.day_start(w.day_from, p_zone)
		    AND y.occurred_at < amp.day_start(w.day_to, p_zone)
		    AND (w.channel = '' OR y.channel = w.channel)
		    AND (w.campaign = '' OR y.campaign = w.campaign)
		    AND (w.followed OR y.xact IS NULL
			OR pg_visible_in_snapshot(y.xact::text::xid8, w.snap)),
		    LATERAL (SELECT amp.day_floor(y.occurred_at, p_zone) AS day,
			amp.signal(y.quality, y.level) AS sig,
			amp.depth(y.kind) AS depth) x
		GROUP BY 1, 2, 3, 4, 5
	), counted AS (
		SELECT w.day_from, w.day_to, w.channel, w.campaign,
		    w.doc AS kept, jsonb_build_object(
			'quality_members', coalesce(sum(b.b & 1), 0),
			'quality_improved', coalesce(sum(b.b >> 1 & 1), 0),
			'ladder_members', coalesce(sum(b.b >> 2 & 1), 0),
			'ladder_climbed', coalesce(sum(b.b >> 3 & 1), 0))
			AS counted
		FROM w
		LEFT JOIN (SELECT t.day_from, t.day_to, t.channel, t.campaign,
			amp.mastery_bits((t.t).e1, (t.t).e2, (t.t).n1,
			    (t.t).n2, (t.t).s1, (t.t).s2, (t.t).d1,
			    (t.t).d2) AS b
		    FROM t) b ON b.day_from = w.day_from
		    AND b.day_to = w.day_to AND b.channel = w.channel
		    AND b.campaign = w.campaign
		GROUP BY 1, 2, 3, 4, 5
	), members AS (
		-- Kept tallies that differ from the count, and members a
		-- window that keeps every member lacks.
		SELECT w.day_from, w.day_to, w.channel, w.campaign, k.member,
		    k.t AS kept, t.t AS counted
		FROM w
		JOIN amp.mastery_members k ON k.org_id = p_org
		    AND k.zone = p_zone AND k.day_from = w.day_from
		    AND k.day_to = w.day_to AND k.channel = w.channel
		    AND k.campaign = w.campaign
		LEFT JOIN t ON t.day_from = w.day_from AND t.day_to = w.day_to
		    AND t.channel = w.channel AND t.campaign = w.campaign
		    AND t.member = k.member
		WHERE t.member IS NULL OR (k.t).e1 <> (t.t).e1
		    OR (k.t).e2 <> (t.t).e2 OR (k.t).n1 <> (t.t).n1
		    OR (k.t).n2 <> (t.t).n2
		    OR abs((k.t).s1 - (t.t).s1)
			> 1e-9 * greatest(1, abs((t.t).s1))
		    OR abs((k.t).s2 - (t.t).s2)
			> 1e-9 * greatest(1, abs((t.t).s2))
		    OR (k.t).d1 IS DISTINCT FROM (t.t).d1
		    OR (k.t).d2 IS DISTINCT FROM (t.t).d2
		UNION ALL
		SELECT w.day_from, w.day_to, w.channel, w.campaign, t.member,
		    NULL, t.t
		FROM w
		JOIN t ON t.day_from = w.day_from AND t.day_to = w.day_to
		    AND t.channel = w.channel AND t.campaign = w.campaign
		WHERE w.complete AND NOT EXISTS (SELECT 1
		    FROM amp.mastery_members k
		    WHERE k.org_id = p_org AND k.zone = p_zone
			AND k.day_from = w.day_from AND k.day_to = w.day_to
			AND k.channel = w.channel AND k.campaign = w.campaign
			AND k.member = t.member)
	)
	SELECT jsonb_agg(x) INTO diff
	FROM (SELECT to_jsonb(c) AS x FROM counted c WHERE c.kept <> c.counted
	    UNION ALL
	    SELECT to_jsonb(m) FROM members m) d;
	RETURN coalesce(diff, '[]');
END
$$;

-- Consistency check: derives every rollup row of an org from its raw
-- events, in its zone, and lists the rows where what reads see differs
-- from them (none when consistent). Each comparison is one statement, so
-- one snapshot: it holds while ingestion runs. For the tests and for
-- operators:
--   SELECT amp.check_rollups('org');
CREATE OR REPLACE FUNCTION amp.check_rollups(p_org text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	day_diff jsonb;
	channel_diff jsonb;
	mastery_diff jsonb;
	zone text;
BEGIN
	PERFORM amp.tenant(p_org);
	-- A statement of its own: under Citus a query on a shard may not call
	-- a function that queries distributed tables.
	zone := amp.org_zone(p_org);
	WITH z AS (
		SELECT zone
	), raw AS (
		SELECT x.day, x.channel, x.campaign, sum(x.events) AS events,
		    sum(x.active) AS active, sum(x.active_self) AS active_self,
		    sum(x.active_pressure) AS active_pressure,
		    sum(x.contrib) AS contrib, sum(x.contrib_giving) AS contrib_giving,
		    sum(x.free_choice) AS free_choice
		FROM z, (SELECT DISTINCT member FROM amp.events
		    WHERE org_id = p_org) m,
		    LATERAL amp.day_deltas(ARRAY(SELECT ROW(e.*)::amp.events
			FROM amp.events e
			WHERE e.org_id = p_org AND e.member = m.member), z.zone) x
		GROUP BY 1, 2, 3
	), stored AS (
		SELECT day, channel, campaign, events, active, active_self,
		    active_pressure, contrib, contrib_giving, free_choice
		FROM amp.day_stats WHERE org_id = p_org AND events <> 0
	), diff AS (
		(SELECT 'missing' AS side, * FROM raw EXCEPT
		 SELECT 'missing', * FROM stored)
		UNION ALL
		(SELECT 'extra', * FROM stored EXCEPT SELECT 'extra', * FROM raw)
	)
	SELECT jsonb_agg(to_jsonb(diff)) INTO day_diff FROM diff;

	channel_diff := amp.check_channels(p_org);
	mastery_diff := amp.check_kept(p_org, zone);
	RETURN jsonb_build_object('consistent', day_diff IS NULL
	    AND channel_diff = '[]' AND mastery_diff = '[]',
	    'day_stats', coalesce(day_diff, '[]'),
	    'channel_stats', channel_diff,
	    'kept_mastery', mastery_diff);
END
$$;

-- Derives an org's rollups afresh from its raw events, one local day of
-- events at a time through the same rollup_apply as ingestion: for bulk
-- loads that bypass the API (COPY), for operators after a repair, and
-- when the org's zone changes (amp.put_settings). The caller holds the
-- org's ZONE lock exclusively or no ingestion runs.
--   SELECT amp.rebuild_rollups('org');
CREATE OR REPLACE FUNCTION amp.rebuild_rollups(p_org text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
	first date;
	last date;
	d date;
	day_events amp.events[];
BEGIN
	PERFORM amp.tenant(p_org);
	zone := amp.org_zone(p_org);
	DELETE FROM amp.day_stats WHERE org_id = p_org;
	PERFORM amp.new_generation(p_org);
	SELECT amp.day_floor(min(occurred_at), zone),
	    amp.day_floor(max(occurred_at), zone)
	INTO first, last FROM amp.events WHERE org_id = p_org;
	FOR d IN SELECT g::date FROM generate_series(first, last,
	    interval '1 day') g LOOP
		-- Two statements: under Citus a query on a shard may not call
		-- a function that queries distributed tables.
		day_events := ARRAY(SELECT ROW(e.*)::amp.events
		    FROM amp.events e
		    WHERE e.org_id = p_org
		    AND e.occurred_at >= amp.day_start(d, zone)
		    AND e.occurred_at < amp.day_start(d + 1, zone));
		PERFORM amp.rollup_apply(p_org, day_events, 1);
	END LOOP;
	PERFORM amp.rebuild_channels(p_org);
END
$$;
