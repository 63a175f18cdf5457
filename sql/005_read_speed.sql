-- Reads at any volume. A filter on the member rollup written as a
-- condition (CASE on the parameters) made the cached generic plan of
-- window_data scan every per-channel row of the window's months for an
-- unfiltered read: the cost of /v1/indicators grew with the number of
-- channels' rows, that is with volume. The rows are now named by their
-- channel key, so the plan prunes to one partition and seeks its index.

CREATE OR REPLACE FUNCTION amp.window_data(p_org text, p_from date, p_to date,
    p_channel text, p_campaign text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	counts jsonb;
	mastery jsonb;
	kpis jsonb;
	mid date := p_from + (p_to - p_from) / 2;
	-- The member_months rows a read takes, by channel: the all-channels
	-- rows ('') unfiltered, else the filtered channel's, else (campaign
	-- alone) those of the channels the campaign reached in the window.
	-- Named as a key, not as a condition, so that the cached plan prunes
	-- partitions and seeks the index whatever the filter.
	channels text[];
BEGIN
	SELECT jsonb_build_object('events', coalesce(sum(d.events), 0),
	    'active', coalesce(sum(d.active), 0),
	    'active_self', coalesce(sum(d.active_self), 0),
	    'active_pressure', coalesce(sum(d.active_pressure), 0),
	    'contributions', coalesce(sum(d.contrib), 0),
	    'contributions_giving', coalesce(sum(d.contrib_giving), 0),
	    'free_choice', coalesce(sum(d.free_choice), 0))
	INTO counts
	FROM amp.day_stats d
	WHERE d.org_id = p_org AND d.day >= p_from AND d.day < p_to
	    AND (p_channel IS NULL OR d.channel = p_channel)
	    AND (p_campaign IS NULL OR d.campaign = p_campaign);

	IF p_channel IS NOT NULL THEN
		channels := ARRAY[p_channel];
	ELSIF p_campaign IS NULL THEN
		channels := ARRAY[''];
	ELSE
		channels := ARRAY(SELECT DISTINCT d.channel FROM amp.day_stats d
		    WHERE d.org_id = p_org AND d.campaign = p_campaign
			AND d.day >= p_from AND d.day < p_to);
	END IF;

	IF mid > p_from THEN
		WITH per AS (
			SELECT m.member,
			    sum(amp.span(m.ev, m.month, p_from, mid)) AS e1,
			    sum(amp.span(m.ev, m.month, mid, p_to)) AS e2,
			    sum(amp.span(m.sig_n, m.month, p_from, mid)) AS n1,
			    sum(amp.span(m.sig_n, m.month, mid, p_to)) AS n2,
			    sum(amp.span(m.sig_sum, m.month, p_from, mid)) AS s1,
			    sum(amp.span(m.sig_sum, m.month, mid, p_to)) AS s2,
			    sum(amp.span(m.k1, m.month, p_from, mid)) AS a1,
			    sum(amp.span(m.k1, m.month, mid, p_to)) AS a2,
			    sum(amp.span(m.k2, m.month, p_from, mid)) AS b1,
			    sum(amp.span(m.k2, m.month, mid, p_to)) AS b2,
			    sum(amp.span(m.k3, m.month, p_from, mid)) AS c1,
			    sum(amp.span(m.k3, m.month, mid, p_to)) AS c2,
			    sum(amp.span(m.k4, m.month, p_from, mid)) AS d1,
			    sum(amp.span(m.k4, m.month, mid, p_to)) AS d2
			FROM amp.member_rollup(p_org, p_from, p_to) m
			WHERE m.channel = ANY (channels)
			    AND (p_campaign IS NULL OR m.campaign = p_campaign)
			GROUP BY m.member
		), depth AS (
			SELECT per.*,
			    CASE WHEN d1 > 0 THEN 4 WHEN c1 > 0 THEN 3 WHEN b1 > 0
				THEN 2 WHEN a1 > 0 THEN 1 ELSE 0 END AS deep1,
			    CASE WHEN d2 > 0 THEN 4 WHEN c2 > 0 THEN 3 WHEN b2 > 0
				THEN 2 WHEN a2 > 0 THEN 1 ELSE 0 END AS deep2
			FROM per
		)
		-- "More than 0.05" with a 1e-9 allowance: signal sums are
		-- differences of float running totals, and a growth of exactly
		-- 0.05 (levels 3,3,3,3,4 after 3,3,3,3,3) must not count because
		-- 0.55 - 0.5 comes out as 0.05000000000000004.
		SELECT jsonb_build_object(
		    'quality_members', count(*) FILTER (WHERE n1 >= 2 AND n2 >= 2),
		    'quality_improved', count(*) FILTER (WHERE n1 >= 2 AND n2 >= 2
			AND s2 / n2 - s1 / n1 > 0.05 + 1e-9),
		    'ladder_members', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1),
		    'ladder_climbed', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1
			AND deep2 > deep1))
		INTO mastery FROM depth;
	ELSE
		mastery := jsonb_build_object('quality_members', 0,
		    'quality_improved', 0, 'ladder_members', 0, 'ladder_climbed', 0);
	END IF;

	SELECT coalesce(jsonb_agg(jsonb_build_object('metric', k.metric,
	    'name', k.name, 'target', k.target, 'period', k.period,
	    'direction', k.direction, 'actual', coalesce(r.actual, 0),
	    'observations', coalesce(r.n, 0)) ORDER BY k.metric), '[]')
	INTO kpis
	FROM amp.kpis k
	LEFT JOIN LATERAL (
		SELECT sum(x.value) AS actual, count(*) AS n FROM amp.results x
		WHERE x.org_id = p_org AND x.metric = k.metric
		    AND x.observed_at >= p_from::timestamp AT TIME ZONE 'UTC'
		    AND x.observed_at < p_to::timestamp AT TIME ZONE 'UTC'
	) r ON true
	WHERE k.org_id = p_org;

	RETURN jsonb_build_object('from', amp.day_ts(p_from),
	    'to', amp.day_ts(p_to), 'days', p_to - p_from,
	    'counts', counts, 'mastery', mastery, 'kpis', kpis);
END
$$;

