// Surveys: per subscale the mean, sd, n and reliability (flagged below
// α 0.70), the relative autonomy index and participation. Groups too small
// to show are said to have "fewer than N respondents", never zero.
import { call, type Schemas } from "../api.js";
import { h, kids, num, pct, windowLabel, reasonText } from "../ui.js";
import { filters, go, params, window_ } from "../state.js";

type Summary = Schemas["SurveySummary"];

function respondents(s: Summary): string {
	if (s.respondents.count !== null)
		return `${s.respondents.count} respondents`;
	if (s.respondents.fewer_than !== null)
		return `fewer than ${s.respondents.fewer_than} respondents`;
	return `hidden: showing it would reveal a group of fewer than ${s.min_group}`;
}

export async function renderSurveys(main: HTMLElement, current: () => boolean): Promise<void> {
	const w = window_(), f = filters();
	main.append(h("h1", {}, "Surveys"), h("p", { class: "loading", role: "status" }, "Loading the survey summary…"));
	const instruments = await call("events:read, indicators:read or surveys:write",
	    (c) => c.GET("/v1/instruments", { params: { query: { limit: 100 } } }));
	const instrument = params().get("instrument") ?? instruments.data[0]?.id ?? "amp-pulse-1";
	const s = await call("indicators:read", (c) => c.GET("/v1/surveys/summary", {
		params: { query: { instrument, from: w.from, to: w.to, ...f } },
	}));
	if (!current())
		return;
	const hidden = s.suppression !== null;
	main.replaceChildren(...kids(h("h1", {}, "Surveys"),
		h("p", { class: "subtitle" }, h("label", {}, "Instrument ",
			h("select", { "data-testid": "instrument", onchange: (e: Event) => go({ instrument: (e.target as HTMLSelectElement).value }) },
				instruments.data.map((i) => h("option", { value: i.id, selected: i.id === instrument }, i.name)))),
			" · window ", windowLabel(s.from, s.to)),
		h("section", { class: "card", "data-testid": "survey-overview", "data-suppression": s.suppression ?? "" },
			h("h2", {}, "Respondents"),
			h("p", { class: "big", "data-testid": "respondents" }, respondents(s)),
			h("p", {}, "Participation: ", h("strong", {}, s.participation.value === null ? reasonText(s.participation.reason) : pct(s.participation.value)),
				s.participation.members !== null ? ` of ${s.participation.members} members active in the window` : ""),
			h("p", { class: "hint" }, `Groups of fewer than ${s.min_group} respondents are never shown, to keep answers anonymous.`)),
		hidden ? null : h("table", { class: "data", "data-testid": "subscales" },
			h("caption", {}, "Per subscale"),
			h("thead", {}, h("tr", {}, ["subscale", "items", "n", "mean", "sd", "reliability"].map((t) => h("th", { scope: "col" }, t)))),
			h("tbody", {}, s.subscales.map((x) => h("tr", { "data-subscale": x.subscale },
				h("th", { scope: "row" }, x.subscale), h("td", {}, x.items),
				h("td", {}, x.n === null ? `fewer than ${s.min_group}` : x.n),
				h("td", {}, x.mean === null ? reasonText(x.reason) : num(x.mean)), h("td", {}, num(x.sd)),
				h("td", { class: x.reliability.low ? "low" : "" }, x.reliability.value === null ? "—" :
					[`${x.reliability.method === "cronbach_alpha" ? "α" : "Spearman–Brown"} ${num(x.reliability.value)}`,
						x.reliability.low ? h("span", { class: "flag", title: "below 0.70: the items may not measure one thing" }, " ⚠ low") : null]))))),
		hidden || s.index === null ? null : h("section", { class: "card", "data-testid": "rai" },
			h("h2", {}, "Relative autonomy index"),
			h("p", { class: "big" }, s.index.mean === null ? reasonText(s.index.reason) : num(s.index.mean)),
			h("p", {}, s.index.n === null ? "" : `${s.index.n} respondents, sd ${num(s.index.sd)}. `,
				"Weights: ", Object.entries(s.index.weights).map(([k, v]) => `${k} ${v > 0 ? "+" : ""}${v}`).join(", "),
				". Above 0 means more autonomous than controlled reasons."))));
}
