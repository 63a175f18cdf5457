// Trends: A, M, P, AMP, X and R per day, week or month; each bucket's
// state as a band behind the lines, divergence marked where it fires.
import { call } from "../api.js";
import { seriesChart } from "../chart.js";
import { h, pct, windowLabel, PALETTE, STATE_LABEL } from "../ui.js";
import { filters, params, window_ } from "../state.js";

const LINES = [
	["autonomy", "Autonomy (A)", PALETTE.autonomy],
	["mastery", "Mastery (M)", PALETTE.mastery],
	["purpose", "Purpose (P)", PALETTE.purpose],
	["amp", "AMP", PALETTE.amp],
	["extrinsic_pressure", "Extrinsic pressure (X)", PALETTE.extrinsic_pressure],
	["results", "Results (R)", PALETTE.results],
] as const;

export async function renderTrends(main: HTMLElement, current: () => boolean): Promise<void> {
	const w = window_(), f = filters();
	const raw = params().get("interval");
	const interval = raw === "week" || raw === "month" ? raw : "day";
	main.append(h("h1", {}, "Trends"), h("p", { class: "loading", role: "status" }, "Loading the series…"));
	const s = await call("indicators:read", (c) => c.GET("/v1/indicators/series", {
		params: { query: { from: w.from, to: w.to, interval, ...f } },
	}));
	if (!current())
		return;
	const b = s.buckets;
	const sec = (iso: string) => Date.parse(iso) / 1000;
	const plot = h("div", { class: "chart", "data-testid": "trends-chart", role: "img",
		"aria-label": `Indicators per ${interval}; the table below lists the values` });
	const divergent = b.filter((x) => x.divergence).length;
	main.replaceChildren(h("h1", {}, "Trends"),
		h("p", { class: "subtitle" }, `Per ${interval}, window `, windowLabel(s.window.from, s.window.to),
			`: ${b.length} buckets, divergence in ${divergent}.`),
		plot,
		h("ul", { class: "legend-states", "aria-label": "Background bands: the state of each bucket" },
			Object.entries(STATE_LABEL).filter(([k]) => k !== "insufficient_data").map(([k, label]) =>
				h("li", { "data-state": k }, h("span", { class: "band", "data-state": k }), label)),
			h("li", {}, h("span", { class: "marker" }, "▼"), " divergence: results up, AMP down ≥ 5 points")),
		h("details", {}, h("summary", {}, "The values as a table"),
			h("table", { class: "data", "data-testid": "trends-table" },
				h("thead", {}, h("tr", {}, h("th", { scope: "col" }, interval),
					LINES.map(([, label]) => h("th", { scope: "col" }, label)),
					h("th", { scope: "col" }, "state"), h("th", { scope: "col" }, "divergence"))),
				h("tbody", {}, b.map((x) => h("tr", { "data-divergence": x.divergence },
					h("th", { scope: "row" }, windowLabel(x.window.from, x.window.to)),
					LINES.map(([k]) => h("td", {}, pct(x[k].value))),
					h("td", {}, STATE_LABEL[x.state] ?? x.state),
					h("td", {}, x.divergence ? "yes" : "")))))));
	seriesChart(plot, {
		starts: b.map((x) => sec(x.window.from)),
		ends: b.map((x) => sec(x.window.to)),
		lines: LINES.map(([k, label, colour], i) => ({
			label, colour, values: b.map((x) => x[k].value), dash: i === 4 ? [6, 3] : i === 5 ? [2, 3] : undefined,
		})),
		states: b.map((x) => x.state),
		divergent: b.map((x) => x.divergence),
	});
}
