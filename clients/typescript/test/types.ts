/*
 * Type-level tests of the generated client, checked by `tsc -p
 * clients/typescript` (nothing here runs). Each `@ts-expect-error` line
 * must fail to compile, and tsc reports any that compiles; every other
 * line must compile. They pin down what issue #11 found broken.
 */
import { createAmpmeterClient, unwrap, type Schemas } from "../src/index.js";

type Equal<A, B> =
	(<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(): T | void {}

const amp = createAmpmeterClient({ baseUrl: "http://127.0.0.1:8080", token: "t" });

/* Window bounds are strings: RFC 3339 or a date. A Date does not compile
 * (openapi-fetch would drop it from the URL). */
export async function windowBounds() {
	await amp.GET("/v1/indicators", {
		params: { query: { from: "2026-11-01", to: "2026-11-30T12:00:00+01:00" } },
	});
	await amp.GET("/v1/indicators/series", {
		params: { query: { from: new Date().toISOString(), interval: "week" } },
	});
	// @ts-expect-error a Date is not a window bound
	await amp.GET("/v1/indicators", { params: { query: { from: new Date() } } });
	// @ts-expect-error interval is day, week or month
	await amp.GET("/v1/indicators/series", { params: { query: { interval: "hour" } } });
}

/* An event needs only its six required fields: defaulted ones (initiative,
 * rewarded, beneficiary) are optional, and properties are open. */
export async function events() {
	const minimal: Schemas["EventInput"] = {
		id: "e-1",
		member: "m-1",
		channel: "forum",
		action: "answer",
		kind: "contribute",
		occurred_at: "2026-11-25T19:03:12Z",
	};
	const full: Schemas["EventInput"] = {
		...minimal,
		initiative: "prompted",
		rewarded: false,
		beneficiary: "community",
		quality: 0.8,
		level: 3,
		properties: { any: 1, thread: "t-4821", tags: ["a"], nested: { ok: true } },
	};
	await amp.POST("/v1/events", { body: { events: [minimal, full] } });
	// @ts-expect-error kind is one of the five kinds
	const badKind: Schemas["EventInput"] = { ...minimal, kind: "shout" };
	// @ts-expect-error occurred_at is required
	const noTime: Schemas["EventInput"] = { id: "e", member: "m", channel: "c", action: "a", kind: "react" };
	// @ts-expect-error unknown fields are rejected by the API, and by the type
	const typo: Schemas["EventInput"] = { ...minimal, benefactor: "self" };
	return [badKind, noTime, typo];
}

/* Other inputs whose fields have a default: all optional. */
export async function defaultedInputs() {
	await amp.PUT("/v1/campaigns/{id}", {
		params: { path: { id: "spring" } },
		body: { name: "Spring", incentive: "points", starts_at: "2026-03-01T00:00:00Z" },
	});
	await amp.PUT("/v1/kpis/{metric}", {
		params: { path: { metric: "signups" } },
		body: { name: "Sign-ups", target: 120, period: "month" },
	});
	await amp.PUT("/v1/kpis/{metric}", {
		params: { path: { metric: "signups" } },
		body: { name: "Sign-ups", target: null },
	});
	await amp.PUT("/v1/settings", { body: {} });
	await amp.POST("/v1/beliefs", {
		body: { statement: "s", indicator: "amp", expect: "increase", at: "2026-03-01T00:00:00Z" },
	});
	await amp.POST("/v1/beliefs", {
		body: { statement: "s", indicator: "amp", expect: "increase", campaign: "spring" },
	});
	// @ts-expect-error a belief needs `at` or `campaign`
	await amp.POST("/v1/beliefs", { body: { statement: "s", indicator: "amp", expect: "increase" } });
}

/* A null-or-value indicator keeps its `value`, typed number | null, through
 * openapi-fetch's response typing. */
export async function indicatorValues() {
	const { data } = await amp.GET("/v1/indicators");
	if (!data)
		return;
	expectType<Equal<typeof data.autonomy.value, number | null>>();
	expectType<Equal<typeof data.purpose.value, number | null>>();
	expectType<Equal<typeof data.extrinsic_pressure.value, number | null>>();
	expectType<Equal<typeof data.mastery.value, number | null>>();
	expectType<Equal<typeof data.amp.value, number | null>>();
	expectType<Equal<typeof data.results.value, number | null>>();
	expectType<Equal<typeof data.autonomy.reason, "no_data" | "insufficient_data" | undefined>>();
	// @ts-expect-error the value may be null
	const v: number = data.autonomy.value;

	const series = await amp.GET("/v1/indicators/series");
	const bucket = series.data?.buckets[0];
	if (bucket)
		expectType<Equal<typeof bucket.amp.value, number | null>>();
	return v;
}

/* A stored belief keeps both `at` and `campaign` (one of them null). */
export async function beliefs() {
	const { data } = await amp.GET("/v1/beliefs/{id}", { params: { path: { id: "b-1" } } });
	if (!data)
		return;
	expectType<Equal<typeof data.campaign, string | null>>();
	expectType<Equal<typeof data.at, string | null>>();
}

/* Event properties read back as an open object. */
export async function storedEvents() {
	const { data } = await amp.GET("/v1/events", { params: { query: { limit: 10 } } });
	const props = data?.data[0]?.properties;
	if (props)
		expectType<Equal<(typeof props)[string], unknown>>();
}

/* unwrap gives the success data, typed; a 204 gives undefined. */
export async function unwrapped() {
	const ind = await unwrap(amp.GET("/v1/indicators"));
	expectType<Equal<typeof ind.amp.value, number | null>>();
	const ingested = await unwrap(amp.POST("/v1/events", { body: { events: [] } }));
	expectType<Equal<typeof ingested, Schemas["IngestResult"]>>();
	const erased = await unwrap(amp.DELETE("/v1/members/{member}", { params: { path: { member: "m-1" } } }));
	expectType<Equal<typeof erased, undefined>>();
}
