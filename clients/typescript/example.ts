/*
 * A tour of the TypeScript client against a running ampmeter:
 * ingest a batch of events, read the indicators and their daily series,
 * then send an invalid batch and print the problem's pointers.
 *
 *     AMPMETER_URL=http://127.0.0.1:8080 AMPMETER_TOKEN=$(make -s token) \
 *         node build/ts-client/example.js
 *
 * The token needs the scopes events:write and indicators:read.
 */
import { randomUUID } from "node:crypto";

import { AmpmeterProblem, createAmpmeterClient, unwrap, type Schemas } from "./src/index.js";

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/* A share-like indicator: its value, or why there is none. */
function show(x: { value: number | null; reason?: string }): string {
	return x.value === null ? `null (${x.reason ?? "?"})` : x.value.toFixed(3);
}

function utcDate(t: number): string {
	return new Date(t).toISOString().slice(0, 10);
}

async function main(): Promise<void> {
	const token = process.env.AMPMETER_TOKEN;
	if (!token) {
		console.error("example: set AMPMETER_TOKEN (make token prints one)");
		process.exit(2);
	}
	const amp = createAmpmeterClient({
		baseUrl: process.env.AMPMETER_URL ?? "http://127.0.0.1:8080",
		token,
	});

	/* 1. A batch of events. Ids are idempotency keys: fresh ones per run. */
	const run = randomUUID().slice(0, 8);
	const now = Date.now();
	const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
	const event = (n: number, e: Omit<Schemas["EventInput"], "id" | "channel">): Schemas["EventInput"] =>
	    ({ id: `ex-${run}-${n}`, channel: "forum", ...e });
	const events: Schemas["EventInput"][] = [
		event(1, { member: "m-ada", action: "question", kind: "create", occurred_at: at(30) }),
		event(2, { member: "m-bo", action: "answer", kind: "contribute", occurred_at: at(29),
		    beneficiary: "others", quality: 0.9, level: 3,
		    properties: { thread: "t-4821", tags: ["howto", "api"], upvotes: 4 } }),
		event(3, { member: "m-ada", action: "like", kind: "react", occurred_at: at(28) }),
		event(4, { member: "m-cy", action: "read", kind: "consume", occurred_at: at(6) }),
		event(5, { member: "m-bo", action: "guide", kind: "contribute", occurred_at: at(5),
		    beneficiary: "community", level: 4 }),
		event(6, { member: "m-cy", action: "answer", kind: "contribute", occurred_at: at(4),
		    initiative: "incentivized", rewarded: true, beneficiary: "others" }),
	];
	const ingested = await unwrap(amp.POST("/v1/events", { body: { events } }));
	console.log(`ingested: accepted=${ingested.accepted} duplicates=${ingested.duplicates}`);

	/* 2. The indicators of the last 7 UTC days (a date-only `to` includes
	 * that day), and the same window day by day. */
	const window = { from: utcDate(now - 6 * DAY), to: utcDate(now) };
	const ind = await unwrap(amp.GET("/v1/indicators", { params: { query: window } }));
	console.log(`indicators: from=${window.from} to=${window.to} state=${ind.state} ` +
	    `events=${ind.counts.events} ` +
	    `autonomy=${show(ind.autonomy)} mastery=${show(ind.mastery)} ` +
	    `purpose=${show(ind.purpose)} amp=${show(ind.amp)} ` +
	    `extrinsic_pressure=${show(ind.extrinsic_pressure)} results=${show(ind.results)}`);

	const series = await unwrap(amp.GET("/v1/indicators/series", {
		params: { query: { ...window, interval: "day" } },
	}));
	const active = series.buckets.filter((b) => b.counts.events > 0);
	console.log(`series: interval=${series.interval} buckets=${series.buckets.length} ` +
	    `with_events=${active.length} divergent=${series.buckets.filter((b) => b.divergence).length}`);
	for (const b of active)
		console.log(`  ${b.window.from.slice(0, 10)} events=${b.counts.events} amp=${show(b.amp)}`);

	/* 3. A batch the API refuses: well typed, but a quality above 1 and a
	 * time far in the future. Nothing of it is stored. */
	const invalid: Schemas["EventInput"][] = [
		event(7, { member: "m-ada", action: "answer", kind: "contribute", occurred_at: at(1) }),
		event(8, { member: "m-bo", action: "answer", kind: "contribute", occurred_at: at(1),
		    quality: 1.5 }),
		event(9, { member: "m-cy", action: "like", kind: "react", occurred_at: at(-48) }),
	];
	try {
		await unwrap(amp.POST("/v1/events", { body: { events: invalid } }));
		throw new Error("the invalid batch was accepted");
	} catch (err) {
		if (!(err instanceof AmpmeterProblem))
			throw err;
		console.log(`invalid batch: status=${err.status} type=${err.type}`);
		for (const e of err.errors)
			console.log(`  pointer ${e.pointer ?? e.parameter}: ${e.detail}`);
	}
}

main().catch((err: unknown) => {
	console.error("example:", err instanceof Error ? err.message : err);
	process.exit(1);
});
