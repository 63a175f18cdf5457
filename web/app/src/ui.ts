// Small DOM and formatting helpers: no framework, plain elements.

type Attr = string | number | boolean | null | undefined | ((e: Event) => void);
type Child = Node | string | number | null | undefined | false;

/** An element with attributes (`on…` ones are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K,
    attrs: Record<string, Attr> = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false)
			continue;
		if (typeof v === "function")
			el.addEventListener(k.slice(2), v);
		else
			el.setAttribute(k, v === true ? "" : String(v));
	}
	for (const c of children.flat()) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : String(c));
	}
	return el;
}

/** An SVG element (charts drawn without a library). */
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElement {
	const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
	for (const [k, v] of Object.entries(attrs))
		el.setAttribute(k, String(v));
	el.append(...children);
	return el;
}

/** Okabe–Ito: distinguishable with every common colour-vision deficiency. */
export const PALETTE = {
	autonomy: "#0072B2",
	mastery: "#E69F00",
	purpose: "#009E73",
	amp: "#000000",
	extrinsic_pressure: "#D55E00",
	results: "#CC79A7",
	sky: "#56B4E9",
	yellow: "#F0E442",
} as const;

export const STATE_LABEL: Record<string, string> = {
	thriving: "Thriving",
	results_chasing: "Results chasing",
	purpose_led: "Purpose led",
	disengaged: "Disengaged",
	insufficient_data: "Insufficient data",
};

export const STATE_COLOUR: Record<string, string> = {
	thriving: "rgba(0, 158, 115, 0.14)",
	results_chasing: "rgba(213, 94, 0, 0.16)",
	purpose_led: "rgba(86, 180, 233, 0.18)",
	disengaged: "rgba(120, 120, 120, 0.16)",
	insufficient_data: "rgba(0, 0, 0, 0)",
};

/** A share as a percentage: one decimal below 10 %, whole above. */
export function pct(v: number | null | undefined): string {
	if (v === null || v === undefined)
		return "—";
	const digits = Math.abs(v) < 0.1 && v !== 0 ? 1 : 0;
	return new Intl.NumberFormat(undefined, {
		style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits,
	}).format(v);
}

/** A plain number with at most `d` decimals. */
export function num(v: number | null | undefined, d = 2): string {
	if (v === null || v === undefined)
		return "—";
	return new Intl.NumberFormat(undefined, { maximumFractionDigits: d, minimumFractionDigits: 0 }).format(v);
}

export function count(v: number | null | undefined): string {
	return v === null || v === undefined ? "—" : new Intl.NumberFormat().format(v);
}

const dayFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A local date; with `exclusive`, the day before (a window's `to`). */
export function localDay(iso: string, exclusive = false): string {
	const d = new Date(iso);
	if (exclusive)
		d.setTime(d.getTime() - 1);
	return dayFmt.format(d);
}

export function localTime(iso: string): string {
	return timeFmt.format(new Date(iso));
}

/** A window in the viewer's local time, its UTC bounds on hover. */
export function windowLabel(from: string, to: string): HTMLElement {
	return h("time", {
		datetime: from,
		title: `UTC: ${from} to ${to} (end excluded)`,
		class: "window",
	}, `${localDay(from)} – ${localDay(to, true)}`);
}

export const REASON: Record<string, string> = {
	no_data: "No events in this window (after the filters).",
	insufficient_data: "There are events, but none that this indicator counts.",
	suppressed: "Hidden to protect anonymity.",
};

export function reasonText(r: string | null | undefined): string {
	return (r && REASON[r]) || "Not available.";
}

export function loading(what: string): HTMLElement {
	return h("p", { class: "loading", role: "status" }, `Loading ${what}…`);
}

/** Children for replaceChildren, without the absent ones. */
export function kids(...c: (Node | string | null | false)[]): (Node | string)[] {
	return c.filter((x): x is Node | string => x !== null && x !== false);
}
