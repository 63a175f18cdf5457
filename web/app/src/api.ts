// The API as the dashboard uses it: the typed client of clients/typescript,
// the token (from the URL fragment, kept in sessionStorage), the API
// origin setting, and what people expect of errors: 401 asks for a token,
// 403 names the missing scope, 429 and 503 retry after Retry-After.
import { createAmpmeterClient, isProblem, type AmpmeterClient } from "../../../clients/typescript/src/index.js";

export type { Schemas } from "../../../clients/typescript/src/index.js";

const TOKEN_KEY = "ampmeter.token";
const ORIGIN_KEY = "ampmeter.api";
const RETRIES = 5;

/** The token was refused or is missing: the token form is shown. */
export class AuthNeeded extends Error {}

/** The token lacks a scope the view needs. */
export class ScopeMissing extends Error {
	constructor(readonly scope: string, detail: string) {
		super(detail);
	}
}

/** Any other problem answer, with the service's detail. */
export class ApiError extends Error {
	constructor(readonly status: number, detail: string) {
		super(detail);
	}
}

/** Moves a `#token=…` from the address bar into sessionStorage. */
export function takeTokenFromFragment(): void {
	const params = new URLSearchParams(location.hash.slice(1));
	const token = params.get("token");
	if (token === null)
		return;
	setToken(token);
	params.delete("token");
	const rest = params.toString();
	history.replaceState(history.state, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
}

export function getToken(): string | null {
	return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
	if (token)
		sessionStorage.setItem(TOKEN_KEY, token.trim());
	else
		sessionStorage.removeItem(TOKEN_KEY);
	client = null;
}

/** Where the API answers: this page's origin unless set otherwise. */
export function apiOrigin(): string {
	return localStorage.getItem(ORIGIN_KEY) || location.origin;
}

export function setApiOrigin(origin: string): void {
	const o = origin.trim().replace(/\/+$/, "");
	if (o && o !== location.origin)
		localStorage.setItem(ORIGIN_KEY, o);
	else
		localStorage.removeItem(ORIGIN_KEY);
	client = null;
}

let client: AmpmeterClient | null = null;

export function amp(): AmpmeterClient {
	const token = getToken();
	if (!token)
		throw new AuthNeeded("no token");
	client ??= createAmpmeterClient({ baseUrl: apiOrigin(), token });
	return client;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Shows or clears the banner of a busy service (set by main.ts). */
export let busyBanner: (text: string | null) => void = () => {};
export function onBusy(f: (text: string | null) => void): void {
	busyBanner = f;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Calls waiting to retry: the banner stays while any is. */
let waiting = 0;

function retryAfterMs(r: Response): number {
	const v = r.headers.get("retry-after");
	const s = v === null ? NaN : Number(v);
	if (Number.isFinite(s))
		return Math.min(Math.max(s, 1), 60) * 1000;
	const at = v ? Date.parse(v) : NaN;
	return Number.isFinite(at) ? Math.min(Math.max(at - Date.now(), 1000), 60000) : 2000;
}

/**
 * One API call: the data, or a thrown AuthNeeded, ScopeMissing or
 * ApiError. `scope` is what the call needs, said when a 403 comes back.
 * `allow` lists statuses answered as null instead of thrown (a 404 of an
 * endpoint an older service does not have).
 */
export async function call<T>(scope: string, run: (c: AmpmeterClient) => Promise<Result<T>>): Promise<T> {
	return (await callAllowing(scope, run, [])) as T;
}

export async function callAllowing<T>(scope: string, run: (c: AmpmeterClient) => Promise<Result<T>>,
    allow: number[]): Promise<T | null> {
	for (let attempt = 0; ; attempt++) {
		const r = await run(amp());
		const status = r.response.status;
		if (r.response.ok)
			return r.data as T;
		if (allow.includes(status))
			return null;
		const detail = isProblem(r.error) ? r.error.detail : `${status} ${r.response.statusText}`;
		if (status === 401) {
			setToken(null);
			throw new AuthNeeded(detail);
		}
		if (status === 403)
			throw new ScopeMissing(scope, detail);
		if ((status === 429 || status === 503) && attempt < RETRIES) {
			const wait = retryAfterMs(r.response);
			busyBanner(`The service is ${status === 429 ? "rate limiting requests" : "busy"} ` +
			    `(${status}); retrying in ${Math.round(wait / 1000)} s…`);
			waiting++;
			try {
				await sleep(wait);
			} finally {
				if (--waiting === 0)
					busyBanner(null);
			}
			continue;
		}
		throw new ApiError(status, detail);
	}
}
