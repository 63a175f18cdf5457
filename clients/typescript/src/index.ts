/**
 * ampmeter's TypeScript client: the types generated from openapi.yaml
 * (`./schema.ts`, by openapi-typescript) on openapi-fetch, with the bearer
 * token and RFC 9457 problems handled in one place.
 *
 *     const amp = createAmpmeterClient({ baseUrl, token });
 *     const ind = await unwrap(amp.GET("/v1/indicators", {
 *         params: { query: { from: "2026-11-01" } },
 *     }));
 *
 * `amp` is the plain openapi-fetch client: every path, parameter, body and
 * answer is typed from the spec. `unwrap` turns its `{ data, error }` into
 * the data, or throws an `AmpmeterProblem`.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** The spec's schemas by name: `Schemas["EventInput"]`, `Schemas["Indicators"]`, … */
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type ProblemError = Schemas["ProblemError"];
export type AmpmeterClient = Client<paths>;

/** A bearer JWT, or a function giving the current one (called per request). */
export type TokenSource = string | (() => string | Promise<string>);

export interface AmpmeterClientOptions {
	/** Where the service answers, e.g. `http://127.0.0.1:8080` (without `/v1`). */
	baseUrl: string;
	/** The JWT sent as `Authorization: Bearer …` on every request. */
	token: TokenSource;
	/** A fetch to use instead of `globalThis.fetch`. */
	fetch?: (request: Request) => Promise<Response>;
}

/** The typed openapi-fetch client of an ampmeter service. */
export function createAmpmeterClient(options: AmpmeterClientOptions): AmpmeterClient {
	const client = createClient<paths>({
		baseUrl: options.baseUrl.replace(/\/+$/, ""),
		...(options.fetch ? { fetch: options.fetch } : {}),
	});
	client.use(bearer(options.token));
	return client;
}

function bearer(token: TokenSource): Middleware {
	return {
		async onRequest({ request }) {
			const value = typeof token === "function" ? await token() : token;
			request.headers.set("Authorization", `Bearer ${value}`);
			return request;
		},
	};
}

/**
 * An answer that is not a success. `problem` is the RFC 9457 body the
 * service sent (every error of the API has one, also those of its HTTP
 * layer), or null when the answer had none (a 304, or a proxy's own error).
 */
export class AmpmeterProblem extends Error {
	readonly status: number;
	readonly problem: Problem | null;
	readonly response: Response;

	constructor(response: Response, problem: Problem | null) {
		super(problem ? `${problem.status} ${problem.title}: ${problem.detail}`
		    : `${response.status} ${response.statusText || "error"} (no problem body)`);
		this.name = "AmpmeterProblem";
		this.status = response.status;
		this.problem = problem;
		this.response = response;
	}

	/** The problem's `type`, e.g. `urn:ampmeter:problem:validation`. */
	get type(): Problem["type"] | null {
		return this.problem?.type ?? null;
	}

	/** The individual problems: a body `pointer` or a query `parameter` each. */
	get errors(): ProblemError[] {
		return this.problem?.errors ?? [];
	}
}

/** Whether a parsed body is an ampmeter problem. */
export function isProblem(body: unknown): body is Problem {
	if (typeof body !== "object" || body === null)
		return false;
	const b = body as Record<string, unknown>;
	return typeof b.type === "string" && typeof b.title === "string" &&
	    typeof b.status === "number" && typeof b.detail === "string";
}

/** What openapi-fetch resolves to: data on success, else error. */
export type FetchResult =
	| { data: unknown; error?: never; response: Response }
	| { data?: never; error: unknown; response: Response };

/** The data type of the success member of a FetchResult. */
export type SuccessData<R> = R extends { data: infer D; error?: never } ? D : never;

/**
 * The data of a successful answer; anything else is thrown as an
 * `AmpmeterProblem`. For a 204 (`DELETE /v1/members/{member}`) the data is
 * `undefined`.
 */
export async function unwrap<R extends FetchResult>(result: R | Promise<R>): Promise<SuccessData<R>> {
	const { data, error, response } = await result;
	if (response.ok)
		return data as SuccessData<R>;
	throw new AmpmeterProblem(response, isProblem(error) ? error : null);
}
