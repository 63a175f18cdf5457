-- Indicators: the data each indicator formula needs, read from the
-- rollups by index key; the formulas themselves live in src/core
-- (indicators.c).

-- PL/pgSQL, not SQL: Citus runs no SQL function that reads a distributed
-- table.
CREATE OR REPLACE FUNCTION amp.unknown_campaign_filter(p_org text,
    p_campaign text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN p_campaign IS NOT NULL AND NOT EXISTS (SELECT 1
	    FROM amp.campaigns c WHERE c.org_id = p_org AND c.id = p_campaign);
END
$$;

-- Everything the indicator formulas need for each window [p_from[i],
-- p_to[i]) of the org's local days (zone p_zone): counts from day_stats,
-- the mastery tallies from the member days, and each KPI's observations:
-- a JSON array with one document per window, in order. Every indicator
-- read is one call: a single window, a series' buckets, a belief's days.
--
-- Mastery groups a window's member days by member, which at 10^5 members
-- is some 10^6 rows. What it gives is kept (amp.mastery_memo, described in
-- sql/migrations/009_mastery_memo.sql) with the stamp of the data it came
-- from, and taken again while the stamp is unchanged. The answer, stamps
-- and kept tallies are read in one statement, so one snapshot: the
-- answer is exact at the instant of that snapshot.
CREATE OR REPLACE FUNCTION amp.windows_data(p_org text, p_from date[],
    p_to date[], p_channel text, p_campaign text, p_zone text)
RETURNS jsonb
-- Mastery groups by member in memory, not spilled, for some 10^5 members.
-- No JIT: the planner prices every window's member rows, though a window
-- kept or of one day reads none, and at 10^7 events compiling the plan
-- took 650 ms of a daily series that runs in 15.
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
	answer jsonb;
	fresh jsonb;
BEGIN
	WITH gen AS (
		SELECT coalesce(max(g.gen), 0) AS gen
		FROM amp.rollup_generation g WHERE g.org_id = p_org
	), ch AS (
		-- The member rows mastery takes, by channel (the table's key
		-- leads with it): the filtered channel's, else those of every
		-- channel with events in the windows (of the campaign, when
		-- filtered).
		SELECT CASE WHEN p_channel IS NOT NULL THEN ARRAY[p_channel]
		    ELSE ARRAY(SELECT DISTINCT d.channel FROM amp.day_stats d
			WHERE d.org_id = p_org
			    AND (p_campaign IS NULL OR d.campaign = p_campaign)
			    AND d.day >= (SELECT min(f) FROM unnest(p_from) f)
			    AND d.day < (SELECT max(t) FROM unnest(p_to) t))
		    END AS channels
	), win AS (
		-- Each part is read per window (LATERAL), so that every plan,
		-- cached or not, seeks its index with the window's bounds.
		SELECT w.f, w.t, w.i, c.doc AS counts,
		    gen.gen || ':' || c.total AS stamp,
		    -- The halves split at from + floor(days / 2): a window of
		    -- one day has none, and no mastery to keep.
		    w.f + (w.t - w.f) / 2 AS mid
		FROM unnest(p_from, p_to) WITH ORDINALITY AS w(f, t, i)
		CROSS JOIN gen
		CROSS JOIN LATERAL (
			SELECT jsonb_build_object(
			    'events', coalesce(sum(d.events) FILTER (WHERE k), 0),
			    'active', coalesce(sum(d.active) FILTER (WHERE k), 0),
			    'active_self', coalesce(sum(d.active_self)
				FILTER (WHERE k), 0),
			    'active_pressure', coalesce(sum(d.active_pressure)
				FILTER (WHERE k), 0),
			    'contributions', coalesce(sum(d.contrib)
				FILTER (WHERE k), 0),
			    'contributions_giving', coalesce(sum(d.contrib_giving)
				FILTER (WHERE k), 0),
			    'free_choice', coalesce(sum(d.free_choice)
				FILTER (WHERE k), 0)) AS doc,
			    -- Every channel's and campaign's: any event that
			    -- changes a member row of the window adds to it.
			    coalesce(sum(d.events), 0) AS total
			FROM amp.day_stats d,
			    LATERAL (SELECT (p_channel IS NULL
				OR d.channel = p_channel)
				AND (p_campaign IS NULL
				OR d.campaign = p_campaign) AS k) kk
			WHERE d.org_id = p_org AND d.day >= w.f AND d.day < w.t
		) c
	), mastery AS (
		SELECT win.i, win.f, win.t, win.stamp, win.mid > win.f AS halves,
		    k.doc AS kept,
		    coalesce(m.doc, jsonb_build_object('quality_members', 0,
			'quality_improved', 0, 'ladder_members', 0,
			'ladder_climbed', 0)) AS doc
		FROM win
		LEFT JOIN amp.mastery_memo k ON k.org_id = p_org
		    AND k.zone = p_zone AND k.day_from = win.f AND k.day_to = win.t
		    AND k.channel = coalesce(p_channel, '')
		    AND k.campaign = coalesce(p_campaign, '')
		    AND k.stamp = win.stamp
		LEFT JOIN LATERAL (
			-- "More than 0.05" with a 1e-9 allowance: signal sums
			-- are float sums taken in no fixed order, and a growth of
			-- exactly 0.05 (levels 3,3,3,3,4 after 3,3,3,3,3) must
			-- not count because 0.55 - 0.5 comes out as
			-- 0.05000000000000004.
			SELECT jsonb_build_object(
			    'quality_members', count(*) FILTER (WHERE n1 >= 2
				AND n2 >= 2),
			    'quality_improved', count(*) FILTER (WHERE n1 >= 2
				AND n2 >= 2 AND s2 / n2 - s1 / n1 > 0.05 + 1e-9),
			    'ladder_members', count(*) FILTER (WHERE e1 >= 1
				AND e2 >= 1),
			    'ladder_climbed', count(*) FILTER (WHERE e1 >= 1
				AND e2 >= 1 AND d2 > d1)) AS doc
			FROM (
				SELECT m.member,
				    sum(m.ev) FILTER (WHERE m.day < win.mid) AS e1,
				    sum(m.ev) FILTER (WHERE m.day >= win.mid) AS e2,
				    sum(m.sig_n) FILTER (WHERE m.day < win.mid)
					AS n1,
				    sum(m.sig_n) FILTER (WHERE m.day >= win.mid)
					AS n2,
				    sum(m.sig_sum) FILTER (WHERE m.day < win.mid)
					AS s1,
				    sum(m.sig_sum) FILTER (WHERE m.day >= win.mid)
					AS s2,
				    max(amp.deepest(m.k1, m.k2, m.k3, m.k4))
					FILTER (WHERE m.day < win.mid) AS d1,
				    max(amp.deepest(m.k1, m.k2, m.k3, m.k4))
					FILTER (WHERE m.day >= win.mid) AS d2
				FROM amp.member_days m
				-- One-time filters: a window kept, or of one
				-- day (a daily series' bucket), reads no
				-- member row.
				WHERE win.mid > win.f AND k.doc IS NULL
				    AND m.org_id = p_org
				    AND m.channel = ANY ((SELECT channels FROM ch)::text[])
				    AND m.day >= win.f AND m.day < win.t
				    AND (p_campaign IS NULL
					OR m.campaign = p_campaign)
				GROUP BY m.member
			) per
			HAVING count(*) > 0
		) m ON true
	)
	SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'from', amp.day_ts(win.f, p_zone), 'to', amp.day_ts(win.t, p_zone),
	    'days', amp.span_days(win.f, win.t, p_zone),
	    'counts', win.counts,
	    'mastery', coalesce(ms.kept, ms.doc),
	    'kpis', kp.doc) ORDER BY win.i), '[]'),
	    jsonb_agg(jsonb_build_object('f', ms.f, 't', ms.t,
		'stamp', ms.stamp, 'doc', ms.doc))
		FILTER (WHERE ms.halves AND ms.kept IS NULL)
	INTO answer, fresh
	FROM win
	JOIN mastery ms ON ms.i = win.i
	CROSS JOIN LATERAL (
		SELECT coalesce(jsonb_agg(jsonb_build_object('metric', k.metric,
		    'name', k.name, 'unit', k.unit, 'target', k.target,
		    'period', k.period,
		    'direction', k.direction, 'actual', coalesce(r.actual, 0),
		    'observations', coalesce(r.n, 0)) ORDER BY k.metric),
		    '[]') AS doc
		FROM amp.kpis k
		LEFT JOIN LATERAL (
			SELECT sum(x.value) AS actual, count(*) AS n
			FROM amp.results x
			WHERE x.org_id = p_org AND x.metric = k.metric
			    AND x.observed_at >= amp.day_start(win.f, p_zone)
			    AND x.observed_at < amp.day_start(win.t, p_zone)
		) r ON true
		WHERE k.org_id = p_org
	) kp;

	IF fresh IS NOT NULL THEN
		-- Kept in key order (concurrent readers cannot deadlock); an
		-- older stamp written over a newer one costs a recomputation,
		-- never a wrong answer.
		INSERT INTO amp.mastery_memo AS o (org_id, zone, day_from,
		    day_to, channel, campaign, stamp, doc)
		SELECT p_org, p_zone, (x->>'f')::date, (x->>'t')::date,
		    coalesce(p_channel, ''), coalesce(p_campaign, ''),
		    x->>'stamp', x->'doc'
		FROM jsonb_array_elements(fresh) x
		ORDER BY 3, 4
		ON CONFLICT (org_id, zone, day_from, day_to, channel, campaign)
		DO UPDATE SET stamp = excluded.stamp, doc = excluded.doc,
		    made_at = excluded.made_at;
		-- What was not asked for again in a day goes; rows another
		-- transaction holds are left for the next time (waiting for
		-- them could deadlock with its own keeping).
		DELETE FROM amp.mastery_memo o
		WHERE o.org_id = p_org AND (o.zone, o.day_from, o.day_to,
		    o.channel, o.campaign) IN (SELECT k.zone, k.day_from,
			k.day_to, k.channel, k.campaign FROM amp.mastery_memo k
			WHERE k.org_id = p_org
			    AND k.made_at < now() - interval '1 day'
			FOR UPDATE SKIP LOCKED);
	END IF;
	RETURN answer;
END
$$;

-- p_from and p_to are window bounds as src/params.c passes them (dates
-- or instants, amp.bound); the window is the org's local days covering
-- them, and the answer names the zone.
CREATE OR REPLACE FUNCTION amp.indicators(p_org text, p_channel text,
    p_campaign text, p_from text, p_to text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
BEGIN
	PERFORM amp.tenant(p_org);
	zone := amp.org_zone(p_org);
	IF amp.unknown_campaign_filter(p_org, p_campaign) THEN
		RETURN QUERY SELECT 400, amp.filter_problem('campaign',
		    'names no existing campaign');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, amp.windows_data(p_org,
	    ARRAY[amp.day_floor(amp.bound(p_from, false, zone), zone)],
	    ARRAY[amp.day_ceil(amp.bound(p_to, true, zone), zone)], p_channel,
	    p_campaign, zone) -> 0
	    || jsonb_build_object('channel', p_channel, 'campaign', p_campaign,
	    'timezone', zone);
END
$$;

CREATE OR REPLACE FUNCTION amp.indicator_series(p_org text, p_interval text,
    p_channel text, p_campaign text, p_from text, p_to text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
	f date;
	t date;
	unit text := coalesce(p_interval, 'day');
	starts date[];
	ends date[];
BEGIN
	PERFORM amp.tenant(p_org);
	zone := amp.org_zone(p_org);
	f := amp.day_floor(amp.bound(p_from, false, zone), zone);
	t := amp.day_ceil(amp.bound(p_to, true, zone), zone);
	IF unit NOT IN ('day', 'week', 'month') THEN
		RETURN QUERY SELECT 400, amp.filter_problem('interval',
		    'must be day, week or month');
		RETURN;
	END IF;
	IF amp.unknown_campaign_filter(p_org, p_campaign) THEN
		RETURN QUERY SELECT 400, amp.filter_problem('campaign',
		    'names no existing campaign');
		RETURN;
	END IF;
	-- Buckets are local days, ISO weeks (Monday) or months, clipped to
	-- the window: calendar arithmetic on local dates.
	SELECT array_agg(greatest(g::date, f) ORDER BY g),
	    array_agg(least((g + ('1 ' || unit)::interval)::date, t) ORDER BY g)
	INTO starts, ends
	FROM generate_series(date_trunc(unit, f::timestamp),
	    t::timestamp - interval '1 day', ('1 ' || unit)::interval) g;
	IF cardinality(starts) > 400 THEN
		RETURN QUERY SELECT 400, amp.filter_problem('interval',
		    'gives more than 400 buckets for this window');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, jsonb_build_object('interval', unit,
	    'channel', p_channel, 'campaign', p_campaign, 'timezone', zone,
	    'from', amp.day_ts(f, zone), 'to', amp.day_ts(t, zone),
	    'buckets', amp.windows_data(p_org, starts, ends, p_channel,
		p_campaign, zone));
END
$$;
