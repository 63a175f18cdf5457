// Campaigns: the list, and per campaign the crowding-out analysis — the
// standardized difference in differences with its 95% interval against
// the published reference effects, group sizes, the verdict, and the
// free-choice rate per group before and after.
import { call, type Schemas } from "../api.js";
import { h, svg, num, count, localDay, windowLabel } from "../ui.js";
import { go, params } from "../state.js";

type Impact = Schemas["CampaignImpact"];

const VERDICT: Record<string, string> = {
	crowding_out: "Crowding out",
	crowding_in: "Crowding in",
	inconclusive: "Inconclusive",
	insufficient_data: "Insufficient data",
	pending: "Pending",
};

/** The effect and its interval on an axis with the reference effects. */
function effectPlot(i: Impact): SVGElement {
	const e = i.effect, ref = i.reference;
	const marks = [
		{ d: -0.34, label: "tangible rewards −0.34" },
		{ d: ref.tangible_engagement_contingent, label: `engagement-contingent ${ref.tangible_engagement_contingent}` },
		{ d: ref.verbal_praise, label: `verbal praise +${ref.verbal_praise}` },
	];
	const drawn = e.interval.scale === "standardized" ? [e.standardized, e.interval.low, e.interval.high] : [];
	const values = [...drawn, ...marks.map((m) => m.d)].filter((v): v is number => typeof v === "number");
	const lo = Math.min(-0.6, ...values) - 0.1, hi = Math.max(0.6, ...values) + 0.1;
	const W = 640, H = 150, L = 20, R = 20;
	const x = (d: number) => L + (d - lo) / (hi - lo) * (W - L - R);
	const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "effect", role: "img",
		"aria-label": e.standardized === null ? "No standardized effect" :
			`Standardized effect ${num(e.standardized)} (95% interval ${num(e.interval.low)} to ${num(e.interval.high)})` });
	g.append(svg("line", { x1: L, x2: W - R, y1: 110, y2: 110, class: "axis" }));
	for (let t = Math.ceil(lo * 5) / 5; t <= hi; t += 0.2) {
		g.append(svg("line", { x1: x(t), x2: x(t), y1: 106, y2: 114, class: "axis" }),
			svg("text", { x: x(t), y: 130, "text-anchor": "middle", class: "tick" }, t.toFixed(1)));
	}
	g.append(svg("line", { x1: x(0), x2: x(0), y1: 20, y2: 110, class: "zero" }));
	marks.forEach((m, k) => {
		g.append(svg("line", { x1: x(m.d), x2: x(m.d), y1: 20, y2: 110, class: "ref" }),
			svg("text", { x: x(m.d), y: k === 1 ? 32 : 14, "text-anchor": "middle", class: "ref-label" }, m.label));
	});
	if (e.standardized !== null && e.interval.scale === "standardized") {
		if (e.interval.low !== null && e.interval.high !== null)
			g.append(svg("line", { x1: x(e.interval.low), x2: x(e.interval.high), y1: 60, y2: 60, class: "ci" }));
		g.append(svg("circle", { cx: x(e.standardized), cy: 60, r: 7, class: "point" }),
			svg("text", { x: x(e.standardized), y: 45, "text-anchor": "middle", class: "point-label" }, `d = ${num(e.standardized)}`));
	}
	g.append(svg("text", { x: W / 2, y: 148, "text-anchor": "middle", class: "tick" }, "standardized difference in differences (d)"));
	return g;
}

function impactView(i: Impact): HTMLElement {
	const gx = i.groups.exposed, gc = i.groups.comparison;
	const rate = (v: number | null) => v === null ? "—" : `${num(v, 3)} / member-day`;
	return h("section", { class: "card impact", "data-testid": "impact", "data-verdict": i.verdict },
		h("h2", {}, i.campaign.name, " ", h("span", { class: `verdict verdict-${i.verdict}` }, VERDICT[i.verdict] ?? i.verdict)),
		h("p", { class: "verdict-sentence", "data-testid": "impact-explanation" }, i.explanation),
		h("p", { class: "subtitle" }, `${i.campaign.incentive} incentive, ${i.campaign.contingency} · ran `,
			windowLabel(i.windows.during.from, i.windows.during.to), ` · before/after windows of ${i.window_days} days`,
			i.post_complete ? "" : " · the after window is not complete yet"),
		effectPlot(i),
		h("p", {}, i.effect.standardized === null
			? (i.effect.raw === null ? "No effect can be computed (fewer than 2 members in a group)."
				: `Raw difference in differences ${num(i.effect.raw, 4)} free-choice events per member-day; not standardized (no variation before the campaign).`)
			: `d = ${num(i.effect.standardized)}, 95% interval ${num(i.effect.interval.low)} to ${num(i.effect.interval.high)} (${i.effect.interval.resamples} bootstrap resamples). Reference effects: ${i.reference.source}.`),
		h("table", { class: "data", "data-testid": "impact-groups" },
			h("caption", {}, "Free-choice events per member-day"),
			h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "group"), h("th", { scope: "col" }, "members"),
				h("th", { scope: "col" }, "before"), h("th", { scope: "col" }, "during"), h("th", { scope: "col" }, "after"))),
			h("tbody", {},
				h("tr", {}, h("th", { scope: "row" }, "exposed"), h("td", {}, count(gx.members)), h("td", {}, rate(gx.pre.mean)),
					h("td", { title: "all active events, not only free-choice ones" }, `${num(i.lift.exposed_active_per_member_day_during, 3)} active / member-day`),
					h("td", {}, rate(gx.post.mean))),
				h("tr", {}, h("th", { scope: "row" }, "comparison"), h("td", {}, count(gc.members)), h("td", {}, rate(gc.pre.mean)),
					h("td", {}, "—"), h("td", {}, rate(gc.post.mean))))),
		h("p", { class: "hint" }, `Before: ${localDay(i.windows.pre.from)} – ${localDay(i.windows.pre.to, true)}; after: ${localDay(i.windows.post.from)} – ${localDay(i.windows.post.to, true)}. `,
			"The API reports the free-choice rate per group before and after; during the campaign it reports the exposed group's active events."));
}

export async function renderCampaigns(main: HTMLElement, current: () => boolean): Promise<void> {
	main.append(h("h1", {}, "Campaigns"), h("p", { class: "loading", role: "status" }, "Loading the campaigns…"));
	const list = await call("events:read or indicators:read", (c) => c.GET("/v1/campaigns", { params: { query: { limit: 200 } } }));
	if (!current())
		return;
	const selected = params().get("id") ?? list.data[0]?.id ?? null;
	const detail = h("div", { class: "detail" });
	main.replaceChildren(h("h1", {}, "Campaigns"),
		list.data.length === 0 ? h("p", { "data-testid": "no-campaigns" }, "No campaigns yet: declare one with PUT /v1/campaigns/{id} to see whether its incentive crowds out free choice.") :
		h("div", { class: "split" },
			h("ul", { class: "list", "aria-label": "Campaigns" }, list.data.map((c) => h("li", {},
				h("a", { href: `?view=campaigns&id=${encodeURIComponent(c.id)}`, "aria-current": c.id === selected ? "true" : null,
					"data-campaign": c.id, onclick: (e: Event) => { e.preventDefault(); go({ id: c.id }); } },
					h("strong", {}, c.name), h("span", { class: "hint" }, ` ${c.incentive} · from ${localDay(c.starts_at)}`))))),
			detail));
	if (selected === null)
		return;
	detail.append(h("p", { class: "loading", role: "status" }, "Loading the analysis…"));
	const impact = await call("indicators:read", (c) => c.GET("/v1/campaigns/{id}/impact", { params: { path: { id: selected } } }));
	if (!current())
		return;
	detail.replaceChildren(impactView(impact));
}
