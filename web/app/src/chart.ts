// Time-series charts (uPlot): lines for indicators, each bucket's state as
// a background band, and markers where divergence fires.
import uPlot from "uplot";

import { PALETTE, STATE_COLOUR, pct } from "./ui.js";

export interface Line {
	label: string;
	colour: string;
	values: (number | null)[];
	dash?: number[];
}

export interface SeriesChart {
	/** Bucket starts and ends, in seconds since the epoch. */
	starts: number[];
	ends: number[];
	lines: Line[];
	states?: string[];
	divergent?: boolean[];
	/** Horizontal reference lines (a mean), drawn over [from, to). */
	levels?: { value: number; from: number; to: number; colour: string }[];
	percent?: boolean;
}

export function seriesChart(el: HTMLElement, c: SeriesChart): uPlot {
	const width = Math.max(320, Math.min(el.clientWidth || 900, 1100));
	const fmt = (v: number | null) => v === null ? "—" : c.percent === false ? v.toFixed(2) : pct(v);
	const opts: uPlot.Options = {
		width, height: 320,
		scales: { x: { time: true } },
		series: [{}, ...c.lines.map((l) => ({
			label: l.label, stroke: l.colour, width: 2, dash: l.dash,
			points: { show: true, size: 5 }, spanGaps: false,
			value: (_u: uPlot, v: number | null) => fmt(v),
		}))],
		axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => fmt(t)), size: 60 }],
		hooks: {
			drawClear: [(u: uPlot) => {
				if (!c.states)
					return;
				const ctx = u.ctx;
				c.states.forEach((s, i) => {
					const x0 = u.valToPos(c.starts[i]!, "x", true), x1 = u.valToPos(c.ends[i]!, "x", true);
					ctx.fillStyle = STATE_COLOUR[s] ?? "transparent";
					ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
				});
			}],
			draw: [(u: uPlot) => {
				const ctx = u.ctx;
				for (const l of c.levels ?? []) {
					const y = u.valToPos(l.value, "y", true);
					ctx.strokeStyle = l.colour;
					ctx.lineWidth = 2 * devicePixelRatio;
					ctx.setLineDash([6, 4]);
					ctx.beginPath();
					ctx.moveTo(u.valToPos(l.from, "x", true), y);
					ctx.lineTo(u.valToPos(l.to, "x", true), y);
					ctx.stroke();
					ctx.setLineDash([]);
				}
				c.divergent?.forEach((d, i) => {
					if (!d)
						return;
					const x = u.valToPos(c.starts[i]!, "x", true);
					ctx.fillStyle = PALETTE.extrinsic_pressure;
					ctx.strokeStyle = PALETTE.extrinsic_pressure;
					ctx.lineWidth = 2 * devicePixelRatio;
					ctx.beginPath();
					ctx.moveTo(x, u.bbox.top);
					ctx.lineTo(x, u.bbox.top + u.bbox.height);
					ctx.stroke();
					const s = 7 * devicePixelRatio;
					ctx.beginPath();
					ctx.moveTo(x - s, u.bbox.top);
					ctx.lineTo(x + s, u.bbox.top);
					ctx.lineTo(x, u.bbox.top + 1.6 * s);
					ctx.fill();
				});
			}],
		},
	};
	const data: uPlot.AlignedData = [c.starts, ...c.lines.map((l) => l.values)];
	return new uPlot(opts, data, el);
}
