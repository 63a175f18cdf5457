// The ampmeter dashboard: a shell (navigation, token, API origin, window
// and filters) around six views, each a function that renders into <main>.
import "uplot/dist/uPlot.min.css";
import "./app.css";

import { ApiError, AuthNeeded, ScopeMissing, apiOrigin, callAllowing, getToken, onBusy,
	setApiOrigin, setToken, takeTokenFromFragment, type Schemas } from "./api.js";
import { h, kids, loading } from "./ui.js";
import { VIEWS, go, href, listen, params, view, window_, type View } from "./state.js";
import { renderOverview } from "./views/overview.js";
import { renderTrends } from "./views/trends.js";
import { renderCampaigns } from "./views/campaigns.js";
import { renderBeliefs } from "./views/beliefs.js";
import { renderSurveys } from "./views/surveys.js";
import { renderMembers } from "./views/members.js";

/** A view renders into `main`; `current()` is false once another render began. */
export type Render = (main: HTMLElement, current: () => boolean) => Promise<void>;

const RENDER: Record<View, Render> = {
	overview: renderOverview, trends: renderTrends, campaigns: renderCampaigns,
	beliefs: renderBeliefs, surveys: renderSurveys, members: renderMembers,
};
/** The views that read a window and the channel and campaign filters. */
const FILTERED: View[] = ["overview", "trends", "surveys"];

const root = document.getElementById("root")!;
const banner = h("div", { class: "banner", role: "status", "aria-live": "polite", hidden: true });
const nav = h("nav", { "aria-label": "Views" });
const filterBar = h("form", { class: "filters", "aria-label": "Window and filters", "data-testid": "filters" });
const main = h("main", { id: "view", tabindex: "-1" });
let generation = 0;
let tokenMessage: string | null = null;

onBusy((text) => {
	banner.hidden = text === null;
	banner.textContent = text ?? "";
});

function shell(): void {
	root.replaceChildren(
		h("header", { class: "top" },
			h("a", { class: "brand", href: href({ view: "overview" }) }, "ampmeter"),
			nav,
			h("button", { type: "button", class: "link", onclick: () => showTokenForm(null) }, "Token and API"),
			h("a", { href: "/docs", class: "docs-link" }, "API reference")),
		banner, filterBar, main);
}

function renderNav(current: View): void {
	nav.replaceChildren(h("ul", {}, VIEWS.map(([id, label]) =>
		h("li", {}, h("a", {
			href: href({ view: id }),
			"aria-current": id === current ? "page" : null,
			"data-view": id,
			onclick: (e: Event) => {
				e.preventDefault();
				go({ view: id });
			},
		}, label)))));
}

let channels: string[] | null = null;
let campaigns: Schemas["Campaign"][] | null = null;

/** Channel and campaign lists for the filters; a service without /v1/channels gives none. */
async function loadFilterLists(): Promise<void> {
	if (channels === null) {
		type ChannelPage = { data: { channel: string }[] };
		const r = await callAllowing<ChannelPage>("events:read or indicators:read",
		    // /v1/channels is newer than the typed client: asked for untyped.
		    (c) => (c as unknown as { GET: (p: string, o: object) => Promise<{ data?: ChannelPage; error?: unknown; response: Response }> })
			.GET("/v1/channels", { params: { query: { limit: 500 } } }), [400, 403, 404]);
		channels = r ? r.data.map((x) => x.channel) : [];
	}
	if (campaigns === null) {
		const r = await callAllowing("events:read or indicators:read",
		    (c) => c.GET("/v1/campaigns", { params: { query: { limit: 200 } } }), [403]);
		campaigns = r ? r.data : [];
	}
}

function renderFilters(v: View): void {
	filterBar.hidden = !FILTERED.includes(v);
	if (filterBar.hidden)
		return;
	const p = params(), w = window_();
	const days = p.get("days") ?? "30";
	const choice = (value: string, label: string) => h("label", { class: "chip" },
		h("input", { type: "radio", name: "days", value, checked: days === value || (value === "30" && !["7", "90", "custom"].includes(days)) }),
		label);
	const custom = days === "custom";
	const select = (name: string, label: string, options: [string, string][]) => h("label", {},
		`${label} `, h("select", { name, "data-testid": `filter-${name}` },
			h("option", { value: "" }, `every ${name}`),
			options.map(([value, text]) => h("option", { value, selected: p.get(name) === value }, text))));
	const channelOptions: [string, string][] = (channels ?? []).map((c) => [c, c]);
	const current = p.get("channel");
	if (current && !channels?.includes(current))
		channelOptions.push([current, current]);
	filterBar.replaceChildren(...kids(
		h("fieldset", { class: "window-picker" },
			h("legend", {}, "Window"),
			choice("7", "7 days"), choice("30", "30 days"), choice("90", "90 days"), choice("custom", "Custom"),
			h("span", { class: "custom", hidden: !custom },
				h("label", {}, "from ", h("input", { type: "date", name: "from", value: w.from, "aria-label": "from (UTC date)" })),
				h("label", {}, " to ", h("input", { type: "date", name: "to", value: w.to, "aria-label": "to (UTC date, included)" })))),
		channels && channels.length === 0 && !current
			? h("label", {}, "channel ", h("input", { name: "channel", "data-testid": "filter-channel", value: "", placeholder: "every channel", size: 12 }))
			: select("channel", "channel", channelOptions),
		select("campaign", "campaign", (campaigns ?? []).map((c) => [c.id, c.name])),
		v === "trends" ? h("label", {}, "interval ", h("select", { name: "interval", "data-testid": "filter-interval" },
			(["day", "week", "month"] as const).map((i) => h("option", { value: i, selected: (p.get("interval") ?? "day") === i }, i)))) : null,
	));
}

filterBar.addEventListener("change", () => {
	const f = new FormData(filterBar);
	const days = String(f.get("days") ?? "30");
	const changes: Record<string, string | null> = {
		days: days === "30" ? null : days,
		from: days === "custom" ? String(f.get("from") ?? "") : null,
		to: days === "custom" ? String(f.get("to") ?? "") : null,
		channel: String(f.get("channel") ?? ""),
		campaign: String(f.get("campaign") ?? ""),
	};
	if (f.has("interval"))
		changes.interval = String(f.get("interval"));
	go(changes);
});
filterBar.addEventListener("submit", (e) => e.preventDefault());

function showTokenForm(message: string | null): void {
	generation++;
	filterBar.hidden = true;
	const input = h("textarea", { id: "token-input", name: "token", rows: 4, required: true, autocomplete: "off", spellcheck: "false" });
	const origin = h("input", { id: "origin-input", name: "origin", type: "url", value: apiOrigin(), placeholder: location.origin });
	main.replaceChildren(h("section", { class: "card token-form" },
		h("h1", {}, "Sign in with a token"),
		message ? h("p", { class: "error", role: "alert", "data-testid": "token-message" }, message) : null,
		h("p", {}, "Paste an ampmeter token (a JWT). It stays in this tab only (sessionStorage) and is sent to the API as a bearer token. ",
			h("code", {}, "make run"), " prints a link that fills it in."),
		h("form", {
			"data-testid": "token-form",
			onsubmit: (e: Event) => {
				e.preventDefault();
				setToken(input.value);
				setApiOrigin(origin.value);
				channels = campaigns = null;
				tokenMessage = null;
				render();
			},
		},
			h("label", { for: "token-input" }, "Token"), input,
			h("label", { for: "origin-input" }, "API origin"), origin,
			h("p", { class: "hint" }, "Where the API answers; this page's origin unless you point it elsewhere (the service must allow this origin by CORS)."),
			h("button", { type: "submit" }, "Use this token"))));
	input.focus();
}

function showError(err: unknown): void {
	if (err instanceof AuthNeeded) {
		tokenMessage = getToken() === null && err.message === "no token" ? null
		    : `The service refused the token (${err.message}). It may have expired: paste a new one.`;
		showTokenForm(tokenMessage);
		return;
	}
	const text = err instanceof ScopeMissing
	    ? `Your token lacks the scope this needs (${err.scope}): ${err.message}`
	    : err instanceof ApiError ? `The service answered ${err.status}: ${err.message}`
	    : `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
	main.append(h("p", { class: "error", role: "alert", "data-testid": "view-error" }, text));
}

async function render(): Promise<void> {
	const me = ++generation;
	const current = () => me === generation;
	const v = view();
	renderNav(v);
	document.title = `${VIEWS.find(([id]) => id === v)?.[1]} · ampmeter`;
	if (getToken() === null) {
		showTokenForm(null);
		return;
	}
	main.replaceChildren(loading("the view"));
	try {
		if (FILTERED.includes(v))
			await loadFilterLists();
		if (!current())
			return;
		renderFilters(v);
		main.replaceChildren();
		main.setAttribute("aria-busy", "true");
		await RENDER[v](main, current);
	} catch (err) {
		if (current())
			showError(err);
	} finally {
		if (current())
			main.removeAttribute("aria-busy");
	}
}

takeTokenFromFragment();
shell();
listen(render);
void render();
