// What the address bar holds: the view, the window and the filters, so
// every view can be linked to and reloaded as it is.
export type View = "overview" | "trends" | "campaigns" | "beliefs" | "surveys" | "members";
export const VIEWS: [View, string][] = [
	["overview", "Overview"], ["trends", "Trends"], ["campaigns", "Campaigns"],
	["beliefs", "Beliefs"], ["surveys", "Surveys"], ["members", "Members"],
];

export function params(): URLSearchParams {
	return new URLSearchParams(location.search);
}

export function view(): View {
	const v = params().get("view");
	return (VIEWS.find(([id]) => id === v)?.[0]) ?? "overview";
}

/** A link to this page with some parameters changed (null removes). */
export function href(changes: Record<string, string | null>): string {
	const p = params();
	for (const [k, v] of Object.entries(changes)) {
		if (v === null || v === "")
			p.delete(k);
		else
			p.set(k, v);
	}
	const s = p.toString();
	return location.pathname + (s ? `?${s}` : "");
}

let onChange: () => void = () => {};
export function listen(f: () => void): void {
	onChange = f;
	window.addEventListener("popstate", () => onChange());
}

/** Changes the parameters: a new history entry, and the view re-renders. */
export function go(changes: Record<string, string | null>): void {
	history.pushState(null, "", href(changes));
	onChange();
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The window the filters say, as the API's from/to (UTC dates, both included). */
export function window_(): { from: string; to: string; days: string } {
	const p = params();
	const days = p.get("days") ?? "30";
	if (days === "custom") {
		const from = p.get("from"), to = p.get("to");
		if (from && to)
			return { from, to, days };
	}
	const n = days === "7" || days === "90" ? Number(days) : 30;
	const today = new Date();
	const from = new Date(today.getTime() - (n - 1) * 86400000);
	return { from: isoDay(from), to: isoDay(today), days: String(n) };
}

/** The channel and campaign filters, as query parameters. */
export function filters(): { channel?: string; campaign?: string } {
	const p = params(), f: { channel?: string; campaign?: string } = {};
	const ch = p.get("channel"), ca = p.get("campaign");
	if (ch)
		f.channel = ch;
	if (ca)
		f.campaign = ca;
	return f;
}
