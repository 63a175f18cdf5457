// Beliefs: what the team believes ("the new onboarding raised autonomy"),
// tested on the data: the daily values before and after the change point,
// the difference with its interval, p and g, and the verdict in words.
import { call, type Schemas } from "../api.js";
import { seriesChart } from "../chart.js";
import { h, num, pct, localDay, PALETTE } from "../ui.js";
import { go, params } from "../state.js";

type Belief = Schemas["Belief"];
type BeliefIndicator = Schemas["BeliefIndicator"];

const INDICATORS: [BeliefIndicator, string][] = [
	["autonomy", "Autonomy"], ["mastery", "Mastery"], ["purpose", "Purpose"], ["amp", "AMP"],
	["extrinsic_pressure", "Extrinsic pressure"], ["results", "Results"], ["free_choice_rate", "Free-choice events per day"],
];
const label = (i: string) => INDICATORS.find(([k]) => k === i)?.[1] ?? i;

function meaning(b: Belief): string {
	const e = b.evaluation, dir = b.expect === "increase" ? "rise" : "fall";
	switch (e.verdict) {
	case "supported":
		return `The data support this belief: ${label(b.indicator).toLowerCase()} did ${dir} after the change point, by more than chance would explain (p = ${num(e.p, 3)}).`;
	case "contradicted":
		return `The data contradict this belief: ${label(b.indicator).toLowerCase()} moved the other way, by more than chance would explain (p = ${num(e.p, 3)}).`;
	case "inconclusive":
		return `The data neither support nor contradict this belief: the change after the change point is within what chance would give (p = ${num(e.p, 3)}). It may need more days or more activity.`;
	default:
		return "There are not enough days with a value on each side of the change point to test this belief yet.";
	}
}

const fmt = (b: Belief, v: number | null) => b.indicator === "free_choice_rate" ? num(v) : pct(v);

function form(onCreated: (b: Belief) => void): HTMLElement {
	const msg = h("p", { class: "error", role: "alert", hidden: true, "data-testid": "belief-error" });
	const f = h("form", { class: "card belief-form", "data-testid": "belief-form", "aria-labelledby": "belief-form-h" },
		h("h2", { id: "belief-form-h" }, "State a belief"),
		h("label", { for: "b-statement" }, "What do you believe?"),
		h("input", { id: "b-statement", name: "statement", required: true, maxlength: 500, placeholder: "The mentoring programme raised autonomy" }),
		h("div", { class: "row" },
			h("label", {}, "Indicator ", h("select", { name: "indicator" }, INDICATORS.map(([k, l]) => h("option", { value: k }, l)))),
			h("label", {}, "is expected to ", h("select", { name: "expect" },
				h("option", { value: "increase" }, "increase"), h("option", { value: "decrease" }, "decrease"))),
			h("label", {}, "from ", h("input", { type: "date", name: "at", required: true, value: new Date(Date.now() - 14 * 86400000).toISOString().slice(0, 10) })),
			h("label", {}, "days each side ", h("input", { type: "number", name: "window_days", min: 3, max: 180, value: 28 }))),
		h("button", { type: "submit" }, "Test this belief"), msg);
	f.addEventListener("submit", async (e) => {
		e.preventDefault();
		const d = new FormData(f);
		const button = f.querySelector("button")!;
		button.disabled = true;
		msg.hidden = true;
		try {
			const b = await call("indicators:read", (c) => c.POST("/v1/beliefs", { body: {
				statement: String(d.get("statement")), indicator: String(d.get("indicator")) as BeliefIndicator,
				expect: d.get("expect") === "decrease" ? "decrease" : "increase",
				at: `${String(d.get("at"))}T00:00:00Z`, window_days: Number(d.get("window_days")),
			} }));
			onCreated(b);
		} catch (err) {
			msg.hidden = false;
			msg.textContent = err instanceof Error ? err.message : String(err);
		} finally {
			button.disabled = false;
		}
	});
	return f;
}

async function beliefDetail(el: HTMLElement, b: Belief, current: () => boolean): Promise<void> {
	const e = b.evaluation, cp = Date.parse(b.change_point);
	const from = new Date(cp - b.window_days * 86400000).toISOString().slice(0, 10);
	const to = new Date(cp + (b.window_days - 1) * 86400000).toISOString().slice(0, 10);
	const plot = h("div", { class: "chart", role: "img", "aria-label": "Daily values before and after the change point" });
	el.replaceChildren(h("section", { class: "card belief", "data-testid": "belief-detail", "data-verdict": e.verdict },
		h("h2", {}, b.statement),
		h("p", { class: `verdict verdict-${e.verdict}`, "data-testid": "belief-verdict" }, e.verdict.replace("_", " ")),
		h("p", { "data-testid": "belief-meaning" }, meaning(b)),
		h("p", { class: "subtitle" }, `${label(b.indicator)} expected to ${b.expect}; change point ${localDay(b.change_point)}`,
			b.campaign ? ` (start of campaign ${b.campaign})` : "", `, ${b.window_days} days each side`, b.channel ? `, channel ${b.channel}` : ""),
		plot,
		h("table", { class: "data" }, h("tbody", {},
			h("tr", {}, h("th", { scope: "row" }, "before"), h("td", {}, `mean ${fmt(b, e.before.mean)} over ${e.before.days} days (sd ${fmt(b, e.before.sd)})`)),
			h("tr", {}, h("th", { scope: "row" }, "after"), h("td", {}, `mean ${fmt(b, e.after.mean)} over ${e.after.days} days (sd ${fmt(b, e.after.sd)})`)),
			h("tr", {}, h("th", { scope: "row" }, "difference"), h("td", { "data-testid": "belief-difference" },
				`${fmt(b, e.difference)} (95% interval ${fmt(b, e.interval.low)} to ${fmt(b, e.interval.high)})`)),
			h("tr", {}, h("th", { scope: "row" }, "p"), h("td", {}, num(e.p, 3))),
			h("tr", {}, h("th", { scope: "row" }, "Hedges' g"), h("td", {}, num(e.hedges_g)))))));
	// The daily values: the indicator per day over both sides, as the belief's test reads them.
	const s = await call("indicators:read", (c) => c.GET("/v1/indicators/series", { params: { query: {
		interval: "day", from, to, ...(b.channel ? { channel: b.channel } : {}),
	} } }));
	if (!current())
		return;
	const starts = s.buckets.map((x) => Date.parse(x.window.from) / 1000);
	const values = s.buckets.map((x) => b.indicator === "free_choice_rate"
		? (x.counts.events > 0 ? x.counts.free_choice : null) : x[b.indicator].value);
	const levels = [];
	if (e.before.mean !== null)
		levels.push({ value: e.before.mean, from: Date.parse(from) / 1000, to: cp / 1000, colour: PALETTE.sky });
	if (e.after.mean !== null)
		levels.push({ value: e.after.mean, from: cp / 1000, to: Date.parse(to) / 1000 + 86400, colour: PALETTE.mastery });
	seriesChart(plot, {
		starts, ends: s.buckets.map((x) => Date.parse(x.window.to) / 1000),
		lines: [{ label: label(b.indicator), colour: PALETTE.autonomy, values }],
		levels, percent: b.indicator !== "free_choice_rate",
	});
}

export async function renderBeliefs(main: HTMLElement, current: () => boolean): Promise<void> {
	main.append(h("h1", {}, "Beliefs"), h("p", { class: "loading", role: "status" }, "Loading the beliefs…"));
	const list = await call("indicators:read", (c) => c.GET("/v1/beliefs", { params: { query: { limit: 100 } } }));
	if (!current())
		return;
	const selected = params().get("id");
	const detail = h("div", { class: "detail" });
	main.replaceChildren(h("h1", {}, "Beliefs"),
		h("p", {}, "State what you believe changed, and when; ampmeter tests it against the daily values before and after."),
		form((b) => go({ id: b.id })),
		h("div", { class: "split" },
			h("ul", { class: "list", "aria-label": "Beliefs", "data-testid": "belief-list" },
				list.data.length === 0 ? h("li", {}, "No beliefs yet.") : null,
				list.data.map((b) => h("li", { "data-belief": b.id, "data-verdict": b.evaluation.verdict },
					h("a", { href: `?view=beliefs&id=${b.id}`, "aria-current": b.id === selected ? "true" : null,
						onclick: (e: Event) => { e.preventDefault(); go({ id: b.id }); } },
						h("span", { class: `verdict verdict-${b.evaluation.verdict}` }, b.evaluation.verdict.replace("_", " ")), " ", b.statement)))),
			detail));
	const chosen = list.data.find((b) => b.id === selected) ?? list.data[0];
	if (chosen)
		await beliefDetail(detail, chosen, current);
}
