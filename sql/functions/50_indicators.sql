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
-- the mastery tallies from the member months and the log not yet folded,
-- and each KPI's observations: a JSON array with one document per window,
-- in order. Every indicator read is one call: a single window, a series'
-- buckets, a belief's days.
CREATE OR REPLACE FUNCTION amp.windows_data(p_org text, p_from date[],
    p_to date[], p_channel text, p_campaign text, p_zone text)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	-- The member rollup rows a read takes, by channel: the all-channels
	-- rows ('') unfiltered, else the filtered channel's, else (campaign
	-- alone) those of the channels the campaign reached. Named as a key,
	-- not as a condition, so that the cached plan prunes partitions and
	-- seeks the index whatever the filter.
	channels text[];
BEGIN
	IF p_channel IS NOT NULL THEN
		channels := ARRAY[p_channel];
	ELSIF p_campaign IS NULL THEN
		channels := ARRAY[''];
	ELSE
		channels := ARRAY(SELECT DISTINCT d.channel FROM amp.day_stats d
		    WHERE d.org_id = p_org AND d.campaign = p_campaign
			AND d.day >= (SELECT min(f) FROM unnest(p_from) f)
			AND d.day < (SELECT max(t) FROM unnest(p_to) t));
	END IF;

	-- Each part is read per window (LATERAL), so that every plan, cached
	-- or not, seeks its index with the window's bounds.
	RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'from', amp.day_ts(w.f, p_zone), 'to', amp.day_ts(w.t, p_zone),
	    'days', amp.span_days(w.f, w.t, p_zone),
	    'counts', c.doc,
	    'mastery', coalesce(m.doc, jsonb_build_object('quality_members', 0,
		'quality_improved', 0, 'ladder_members', 0,
		'ladder_climbed', 0)),
	    'kpis', k.doc) ORDER BY w.i), '[]')
	FROM unnest(p_from, p_to) WITH ORDINALITY AS w(f, t, i)
	CROSS JOIN LATERAL (
		SELECT jsonb_build_object(
		    'events', coalesce(sum(d.events), 0),
		    'active', coalesce(sum(d.active), 0),
		    'active_self', coalesce(sum(d.active_self), 0),
		    'active_pressure', coalesce(sum(d.active_pressure), 0),
		    'contributions', coalesce(sum(d.contrib), 0),
		    'contributions_giving', coalesce(sum(d.contrib_giving), 0),
		    'free_choice', coalesce(sum(d.free_choice), 0)) AS doc
		FROM amp.day_stats d
		WHERE d.org_id = p_org AND d.day >= w.f AND d.day < w.t
		    AND (p_channel IS NULL OR d.channel = p_channel)
		    AND (p_campaign IS NULL OR d.campaign = p_campaign)
	) c
	-- Mastery compares the halves of the window, split at
	-- from + floor(days / 2): a window of one day has none.
	LEFT JOIN LATERAL (
		-- "More than 0.05" with a 1e-9 allowance: signal sums are
		-- differences of float running totals, and a growth of exactly
		-- 0.05 (levels 3,3,3,3,4 after 3,3,3,3,3) must not count
		-- because 0.55 - 0.5 comes out as 0.05000000000000004.
		SELECT jsonb_build_object(
		    'quality_members', count(*) FILTER (WHERE n1 >= 2 AND n2 >= 2),
		    'quality_improved', count(*) FILTER (WHERE n1 >= 2
			AND n2 >= 2 AND s2 / n2 - s1 / n1 > 0.05 + 1e-9),
		    'ladder_members', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1),
		    'ladder_climbed', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1
			AND amp.deepest(a2, b2, c2, d2)
			    > amp.deepest(a1, b1, c1, d1))) AS doc
		FROM (SELECT w.f + (w.t - w.f) / 2 AS mid OFFSET 0) h
		CROSS JOIN LATERAL (
			SELECT x.member, sum(x.e1) AS e1, sum(x.e2) AS e2,
			    sum(x.n1) AS n1, sum(x.n2) AS n2, sum(x.s1) AS s1,
			    sum(x.s2) AS s2, sum(x.a1) AS a1, sum(x.a2) AS a2,
			    sum(x.b1) AS b1, sum(x.b2) AS b2, sum(x.c1) AS c1,
			    sum(x.c2) AS c2, sum(x.d1) AS d1, sum(x.d2) AS d2
			FROM (
			SELECT m.member,
			    amp.between(m.ev, i.lo, i.mid) AS e1,
			    amp.between(m.ev, i.mid, i.hi) AS e2,
			    amp.between(m.sig_n, i.lo, i.mid) AS n1,
			    amp.between(m.sig_n, i.mid, i.hi) AS n2,
			    amp.between(m.sig_sum, i.lo, i.mid) AS s1,
			    amp.between(m.sig_sum, i.mid, i.hi) AS s2,
			    amp.between(m.k1, i.lo, i.mid) AS a1,
			    amp.between(m.k1, i.mid, i.hi) AS a2,
			    amp.between(m.k2, i.lo, i.mid) AS b1,
			    amp.between(m.k2, i.mid, i.hi) AS b2,
			    amp.between(m.k3, i.lo, i.mid) AS c1,
			    amp.between(m.k3, i.mid, i.hi) AS c2,
			    amp.between(m.k4, i.lo, i.mid) AS d1,
			    amp.between(m.k4, i.mid, i.hi) AS d2
			FROM amp.member_months m,
			    -- The window's start, midpoint and end as indexes
			    -- into the month's running totals, once per row.
			    LATERAL (SELECT amp.day_index(m.month, w.f) AS lo,
				amp.day_index(m.month, h.mid) AS mid,
				amp.day_index(m.month, w.t) AS hi OFFSET 0) i
			WHERE m.org_id = p_org AND m.channel = ANY (channels)
			    AND m.month >= date_trunc('month', w.f)::date
			    AND m.month < w.t
			    AND (p_campaign IS NULL OR m.campaign = p_campaign)
			UNION ALL
			-- The log not yet folded, day by day: a tally counts in
			-- the half its day falls in. Its rows carry channels;
			-- the all-channels read takes them all.
			SELECT l.member,
			    CASE WHEN l.day < h.mid THEN l.ev END,
			    CASE WHEN l.day >= h.mid THEN l.ev END,
			    CASE WHEN l.day < h.mid THEN l.sig_n END,
			    CASE WHEN l.day >= h.mid THEN l.sig_n END,
			    CASE WHEN l.day < h.mid THEN l.sig_sum END,
			    CASE WHEN l.day >= h.mid THEN l.sig_sum END,
			    CASE WHEN l.day < h.mid THEN l.k1 END,
			    CASE WHEN l.day >= h.mid THEN l.k1 END,
			    CASE WHEN l.day < h.mid THEN l.k2 END,
			    CASE WHEN l.day >= h.mid THEN l.k2 END,
			    CASE WHEN l.day < h.mid THEN l.k3 END,
			    CASE WHEN l.day >= h.mid THEN l.k3 END,
			    CASE WHEN l.day < h.mid THEN l.k4 END,
			    CASE WHEN l.day >= h.mid THEN l.k4 END
			FROM amp.member_log_batch b, unnest(b.tallies) l
			WHERE b.org_id = p_org AND b.day_lo < w.t
			    AND b.day_hi >= w.f AND l.day >= w.f AND l.day < w.t
			    AND (channels = ARRAY[''] OR l.channel = ANY (channels))
			    AND (p_campaign IS NULL OR l.campaign = p_campaign)
			) x
			GROUP BY x.member
		) per
		WHERE h.mid > w.f
		HAVING count(*) > 0
	) m ON true
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
			    AND x.observed_at >= amp.day_start(w.f, p_zone)
			    AND x.observed_at < amp.day_start(w.t, p_zone)
		) r ON true
		WHERE k.org_id = p_org
	) k);
END
$$;

-- p_from and p_to are window bounds as src/params.c passes them (dates
-- or instants, amp.bound); the window is the org's local days covering
-- them, and the answer names the zone.
CREATE OR REPLACE FUNCTION amp.indicators(p_org text, p_channel text,
    p_campaign text, p_from text, p_to text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
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
LANGUAGE plpgsql STABLE AS $$
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
