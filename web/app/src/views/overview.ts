// Overview: the indicators of one window with the counts each rests on,
// the state with its explanation, and a warning when the latest buckets
// of the window's series diverge (results up while AMP falls).
import { call, callAllowing, apiOrigin, type Schemas } from "../api.js";
import { h, pct, count, num, reasonText, windowLabel, STATE_LABEL } from "../ui.js";
import { filters, window_ } from "../state.js";

type Share = Schemas["Share"];
type Indicators = Schemas["Indicators"] & { explanation?: string };

const STATE_MEANING: Record<string, string> = {
	thriving: "Results are on target and engagement is driven by autonomy, mastery and purpose.",
	results_chasing: "Results are on target, but autonomy, mastery and purpose are low: results may be bought with rewards and pressure.",
	purpose_led: "People engage for their own reasons, but results are below target.",
	disengaged: "Both results and autonomy, mastery and purpose are low.",
	insufficient_data: "There are not enough events in this window to say.",
};

function card(id: string, title: string, value: number | null, body: (HTMLElement | string | null)[],
    reason?: string | null): HTMLElement {
	return h("section", { class: "card indicator", "data-indicator": id, "aria-labelledby": `h-${id}` },
		h("h2", { id: `h-${id}` },
			title),
		h("p", { class: "big", "data-testid": `value-${id}`, "data-value": value === null ? "null" : String(value) }, pct(value)),
		value === null ? h("p", { class: "reason", "data-testid": `reason-${id}` }, reasonText(reason)) : null,
		...body);
}

function shareLine(s: Share, what: string): HTMLElement {
	return h("p", { class: "rests", "data-numerator": s.numerator, "data-denominator": s.denominator },
		s.value === null ? reasonText(s.reason) : `${count(s.numerator)} of ${count(s.denominator)} ${what}`);
}

function emptyGuide(): HTMLElement {
	const now = new Date().toISOString();
	const curl = `curl -X POST ${apiOrigin()}/v1/events \\
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  -d '{"events":[{"id":"evt-1","member":"m-1","channel":"forum",
       "action":"answer","kind":"contribute","initiative":"self",
       "beneficiary":"community","occurred_at":"${now}"}]}'`;
	return h("section", { class: "card guide", "data-testid": "empty-guide" },
		h("h2", {}, "Send your first events"),
		h("p", {}, "This organization has no events yet. Each thing a member does on a channel — a post, an answer, a reaction — is one event. Send them to ",
			h("code", {}, "POST /v1/events"), " (up to 1000 per request) with a token that has the ", h("code", {}, "events:write"), " scope:"),
		h("pre", {}, h("code", {}, curl)),
		h("p", {}, "Then come back here. The ", h("a", { href: "/docs" }, "API reference"), " describes every field."));
}

export async function renderOverview(main: HTMLElement, current: () => boolean): Promise<void> {
	const w = window_(), f = filters();
	const query = { from: w.from, to: w.to, ...f };
	const heading = h("h1", {}, "Overview");
	main.append(heading, h("p", { class: "loading", role: "status" }, "Loading the indicators…"));
	const interval = Number(w.days) > 31 || w.days === "custom" ? "week" : "day";
	const [ind, series] = await Promise.all([
		call<Indicators>("indicators:read", (c) => c.GET("/v1/indicators", { params: { query } })),
		call("indicators:read", (c) => c.GET("/v1/indicators/series", { params: { query: { ...query, interval } } })),
	]);
	if (!current())
		return;
	main.replaceChildren(heading);
	heading.after(h("p", { class: "subtitle" }, "Window ", windowLabel(ind.window.from, ind.window.to),
		` (${ind.window.days} UTC days)`, f.channel ? ` · channel ${f.channel}` : "", f.campaign ? ` · campaign ${f.campaign}` : ""));

	if (ind.counts.events === 0) {
		const any = await callAllowing("events:read", (c) => c.GET("/v1/events", { params: { query: { limit: 1 } } }), [403]);
		if (!current())
			return;
		if (any !== null && any.data.length === 0) {
			main.append(emptyGuide());
			return;
		}
	}

	const latest = series.buckets.slice(-2).filter((b) => b.divergence);
	if (latest.length > 0) {
		main.append(h("section", { class: "divergence", role: "alert", "data-testid": "divergence-warning" },
			h("h2", {}, "⚠ Results are rising while motivation falls"),
			h("p", {}, `In the latest ${interval === "day" ? "days" : "weeks"} (`,
				latest.map((b, i) => [i ? ", " : "", windowLabel(b.window.from, b.window.to)]).flat(),
				") results rose while AMP dropped by 5 points or more. Results may be bought at purpose's expense: look at the campaigns running then.")));
	}

	const m = ind.mastery, amp = ind.amp, r = ind.results;
	main.append(h("section", { class: "state card", "data-testid": "state", "data-state": ind.state },
		h("h2", {}, "State: ", h("strong", {}, STATE_LABEL[ind.state] ?? ind.state)),
		h("p", { "data-testid": "state-explanation" }, ind.explanation ?? STATE_MEANING[ind.state] ?? "")));

	main.append(h("div", { class: "cards" },
		card("autonomy", "Autonomy", ind.autonomy.value, [shareLine(ind.autonomy, "active events were self-initiated")], ind.autonomy.reason),
		card("mastery", "Mastery", m.value, [
			h("p", { class: "rests" }, "Quality growth: ", h("strong", { "data-testid": "value-quality_growth", "data-value": String(m.quality_growth.value) }, pct(m.quality_growth.value))),
			shareLine(m.quality_growth, "members' competence signal grew"),
			h("p", { class: "rests" }, "Ladder climb: ", h("strong", { "data-testid": "value-ladder_climb", "data-value": String(m.ladder_climb.value) }, pct(m.ladder_climb.value))),
			shareLine(m.ladder_climb, "members moved to a deeper kind of engagement"),
		], m.reason),
		card("purpose", "Purpose", ind.purpose.value, [shareLine(ind.purpose, "contributions were for others, unrewarded")], ind.purpose.reason),
		card("amp", "AMP", amp.value, [h("p", { class: "rests" },
			amp.value === null ? "" : `Mean of ${amp.parts.join(", ")}`)], amp.reason),
		card("extrinsic_pressure", "Extrinsic pressure", ind.extrinsic_pressure.value,
			[shareLine(ind.extrinsic_pressure, "active events were incentivized or rewarded")], ind.extrinsic_pressure.reason),
		card("results", "Results", r.value, [
			r.kpis.length === 0 ? h("p", { class: "rests" }, "No KPI with a target yet (PUT /v1/kpis/{metric}).") :
			h("table", { class: "kpis" },
				h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "KPI"), h("th", { scope: "col" }, "actual"),
					h("th", { scope: "col" }, "expected"), h("th", { scope: "col" }, "attained"))),
				h("tbody", {}, r.kpis.map((k) => h("tr", {}, h("th", { scope: "row" }, k.metric), h("td", {}, num(k.actual)),
					h("td", {}, num(k.expected)), h("td", {}, pct(k.attainment)))))),
			h("p", { class: "rests" }, "Org-wide KPI attainment; not split by the filters."),
		], r.reason ?? null),
	));
	main.append(h("p", { class: "counts", "data-testid": "counts", "data-events": ind.counts.events },
		`${count(ind.counts.events)} events, ${count(ind.counts.active)} active, ${count(ind.counts.contributions)} contributions, ${count(ind.counts.free_choice)} free-choice.`));
}
