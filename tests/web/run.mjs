// The dashboard and the API reference in headless Chromium (Debian's
// chromium, driven by playwright-core), against a running service:
//   AMP_URL=http://127.0.0.1:PORT AMP_TOKEN=… AMP_EMPTY_TOKEN=… \
//   AMP_EXPIRED_TOKEN=… AMP_EVENTS_ONLY_TOKEN=… node tests/web/run.mjs
// Prints one JSON line per check: {"check": name, "ok": bool, "error": …};
// screenshots of each view go to build/screenshots/. Requests to any
// other host are blocked and reported as failures.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.AMP_URL;
const token = process.env.AMP_TOKEN;
const shots = process.env.AMP_SCREENSHOTS ?? "build/screenshots";
mkdirSync(shots, { recursive: true });
const origin = new URL(base).origin;

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-dev-shm-usage"],
});

/** A fresh page that records console errors, failed and foreign requests. */
async function open(opts = {}) {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/Paris" });
	const page = await context.newPage();
	const trouble = [];
	const requests = [];
	await context.route("**/*", (route) => {
		const url = route.request().url();
		if (url.startsWith("data:") || new URL(url).origin === origin)
			return route.continue();
		trouble.push(`request to another host: ${url}`);
		return route.abort();
	});
	page.on("request", (r) => requests.push(r.url()));
	page.on("console", (m) => {
		// /v1/channels is being added to the service; until then its 404 is
		// the documented fallback (no channel list), not a failure.
		if (m.type() === "error" && !(opts.allow ?? []).some((a) => m.text().includes(a) || (m.location().url ?? "").includes(a)))
			trouble.push(`console error: ${m.text()} (${m.location().url ?? ""})`);
	});
	page.on("pageerror", (e) => trouble.push(`page error: ${e.message}`));
	page.on("requestfailed", (r) => {
		if (new URL(r.url()).origin === origin)
			trouble.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
	});
	page.on("response", (r) => {
		const allowed = (opts.allow ?? []).some((a) => r.url().includes(a));
		if (r.status() >= 400 && !allowed)
			trouble.push(`HTTP ${r.status()} for ${r.url()}`);
	});
	return { context, page, trouble, requests };
}

const CHANNELS_404 = "/v1/channels";
const results = [];
async function check(name, f) {
	try {
		await f();
		results.push({ check: name, ok: true });
	} catch (err) {
		results.push({ check: name, ok: false, error: String(err?.stack ?? err) });
	}
}
function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}
function clean(trouble) {
	assert(trouble.length === 0, trouble.join("\n"));
}
async function api(path, tok = token) {
	const r = await fetch(base + path, { headers: { Authorization: `Bearer ${tok}` } });
	assert(r.ok, `${path}: ${r.status}`);
	return r.json();
}

const VIEWS = {
	overview: '[data-testid="state"]',
	trends: '[data-testid="trends-chart"] canvas',
	campaigns: '[data-testid="impact"]',
	beliefs: '[data-testid="belief-form"]',
	surveys: '[data-testid="survey-overview"]',
	members: '[data-testid="member-profile"]',
};

await check("views render without errors", async () => {
	const { page, trouble, context } = await open({ allow: [CHANNELS_404] });
	await page.goto(`${base}/app/?member=m-01#token=${token}`);
	await page.waitForSelector(VIEWS.overview);
	assert(!page.url().includes("token="), `the token stays in the address bar: ${page.url()}`);
	for (const [v, selector] of Object.entries(VIEWS)) {
		await page.click(`nav a[data-view="${v}"]`);
		await page.waitForSelector(selector, { timeout: 15000 });
		await page.waitForFunction(() => !document.querySelector("main .loading"));
		assert(new URL(page.url()).searchParams.get("view") === v, `view ${v} not in the URL`);
		await page.screenshot({ path: `${shots}/${v}.png`, fullPage: true });
	}
	// A deep link opens the view it names, with the token kept in the tab.
	await page.goto(`${base}/app/?view=trends&interval=week&days=90`);
	await page.waitForSelector(VIEWS.trends);
	const text = await page.textContent("main .subtitle");
	assert(text.includes("Per week"), `deep link not honoured: ${text}`);
	clean(trouble);
	await context.close();
});

await check("overview numbers equal the API's", async () => {
	const { page, trouble, context } = await open({ allow: [CHANNELS_404] });
	for (const [q, label] of [["", "30 days"], ["&days=7&channel=chat", "7 days, chat"]]) {
		await page.goto(`${base}/app/?view=overview${q}#token=${token}`);
		await page.waitForSelector(VIEWS.overview);
		const p = new URLSearchParams(q);
		const n = Number(p.get("days") ?? 30);
		const to = new Date(), from = new Date(to.getTime() - (n - 1) * 86400000);
		const aq = new URLSearchParams({ from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) });
		if (p.get("channel"))
			aq.set("channel", p.get("channel"));
		const want = await api(`/v1/indicators?${aq}`);
		const got = {};
		for (const el of await page.$$("[data-testid^=value-]"))
			got[(await el.getAttribute("data-testid")).slice(6)] = await el.getAttribute("data-value");
		const expected = {
			autonomy: want.autonomy.value, mastery: want.mastery.value, purpose: want.purpose.value,
			amp: want.amp.value, extrinsic_pressure: want.extrinsic_pressure.value, results: want.results.value,
			quality_growth: want.mastery.quality_growth.value, ladder_climb: want.mastery.ladder_climb.value,
		};
		for (const [k, v] of Object.entries(expected))
			assert(got[k] === String(v), `${label}: ${k} shows ${got[k]}, the API says ${v}`);
		assert(want.counts.events > 0, `${label}: the seeded org has no events in the window`);
		const events = await page.getAttribute('[data-testid="counts"]', "data-events");
		assert(events === String(want.counts.events), `${label}: ${events} events shown, API ${want.counts.events}`);
		assert((await page.getAttribute('[data-testid="state"]', "data-state")) === want.state, `${label}: state differs`);
		// What the card says is the value as a rounded percentage.
		if (want.autonomy.value !== null) {
			const shown = (await page.textContent('[data-testid="value-autonomy"]')).replace(/[^0-9.,]/g, "").replace(",", ".");
			assert(Math.abs(Number(shown) - want.autonomy.value * 100) <= 0.5, `autonomy shown as ${shown}`);
		}
	}
	clean(trouble);
	await context.close();
});

await check("changing a filter changes the request", async () => {
	const { page, trouble, requests, context } = await open({ allow: [CHANNELS_404] });
	await page.goto(`${base}/app/#token=${token}`);
	await page.waitForSelector(VIEWS.overview);
	const wait = page.waitForRequest((r) => r.url().includes("/v1/indicators?") && new URL(r.url()).searchParams.get("campaign") === "spring-points");
	await page.selectOption('[data-testid="filter-campaign"]', "spring-points");
	await wait;
	await page.waitForSelector(VIEWS.overview);
	assert(new URL(page.url()).searchParams.get("campaign") === "spring-points", "the filter is not in the URL");
	const wait7 = page.waitForRequest((r) => r.url().includes("/v1/indicators?") &&
	    new URL(r.url()).searchParams.get("from") === new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10));
	await page.check('input[name="days"][value="7"]');
	await wait7;
	assert(requests.some((u) => u.includes("campaign=spring-points")), "no request with the campaign");
	clean(trouble);
	await context.close();
});

await check("a belief stated in the form appears with a verdict", async () => {
	const { page, trouble, context } = await open({ allow: [CHANNELS_404] });
	await page.goto(`${base}/app/?view=beliefs#token=${token}`);
	await page.waitForSelector(VIEWS.beliefs);
	const statement = `The spring campaign raised autonomy ${Date.now()}`;
	await page.fill("#b-statement", statement);
	await page.selectOption('select[name="indicator"]', "autonomy");
	await page.fill('input[name="at"]', new Date(Date.now() - 10 * 86400000).toISOString().slice(0, 10));
	await page.fill('input[name="window_days"]', "14");
	await page.click('[data-testid="belief-form"] button[type="submit"]');
	await page.waitForSelector(`[data-testid="belief-detail"] >> text=${statement}`);
	const verdict = await page.getAttribute('[data-testid="belief-detail"]', "data-verdict");
	assert(["supported", "contradicted", "inconclusive", "insufficient_data"].includes(verdict), `verdict ${verdict}`);
	const listed = await page.$$eval('[data-testid="belief-list"] li', (els, s) => els.filter((e) => e.textContent.includes(s)).map((e) => e.dataset.verdict), statement);
	assert(listed.length === 1 && listed[0] === verdict, `not listed with its verdict: ${listed}`);
	const stored = (await api("/v1/beliefs?limit=100")).data.find((b) => b.statement === statement);
	assert(stored && stored.evaluation.verdict === verdict, "the API does not have it with this verdict");
	await page.screenshot({ path: `${shots}/beliefs.png`, fullPage: true });
	clean(trouble);
	await context.close();
});

await check("an expired token leads to the token form", async () => {
	const { page, context } = await open();
	await page.goto(`${base}/app/#token=${process.env.AMP_EXPIRED_TOKEN}`);
	await page.waitForSelector('[data-testid="token-form"]');
	const msg = await page.textContent('[data-testid="token-message"]');
	assert(/expired|refused/.test(msg), `message: ${msg}`);
	// Pasting a good token brings the overview back.
	await page.fill("#token-input", token);
	await page.click('[data-testid="token-form"] button[type="submit"]');
	await page.waitForSelector(VIEWS.overview);
	await context.close();
});

await check("a missing scope is named", async () => {
	const { page, context } = await open();
	await page.goto(`${base}/app/#token=${process.env.AMP_EVENTS_ONLY_TOKEN}`);
	const text = await page.textContent('[data-testid="view-error"]');
	assert(text.includes("indicators:read"), `error: ${text}`);
	await context.close();
});

await check("a busy service gets a banner and a retry", async () => {
	const { page, context } = await open({ allow: [CHANNELS_404, "/v1/indicators?"] });
	let refused = 0;
	await page.route((url) => url.pathname === "/v1/indicators", (route) => {
		if (refused++ === 0)
			return route.fulfill({ status: 503, headers: { "retry-after": "1", "content-type": "application/problem+json" },
				body: JSON.stringify({ type: "urn:ampmeter:problem:unavailable", title: "Service Unavailable", status: 503, detail: "busy" }) });
		return route.continue();
	});
	await page.goto(`${base}/app/#token=${token}`);
	const banner = await page.waitForSelector(".banner:not([hidden])");
	const said = await banner.textContent();
	assert(said.includes("retrying in 1 s"), `banner: ${said}`);
	await page.waitForSelector(VIEWS.overview);
	assert(await page.isHidden(".banner"), "the banner stays after the retry worked");
	await context.close();
});

await check("an empty org gets the first-events guide", async () => {
	const { page, trouble, context } = await open({ allow: [CHANNELS_404] });
	await page.goto(`${base}/app/#token=${process.env.AMP_EMPTY_TOKEN}`);
	await page.waitForSelector('[data-testid="empty-guide"]');
	assert((await page.textContent('[data-testid="empty-guide"] pre')).includes(`curl -X POST ${origin}/v1/events`), "no curl example");
	await page.screenshot({ path: `${shots}/empty.png`, fullPage: true });
	clean(trouble);
	await context.close();
});

await check("docs render the reference from this host only", async () => {
	const { page, trouble, requests, context } = await open();
	await page.goto(`${base}/docs`);
	await page.waitForSelector(".opblock-tag", { timeout: 30000 });
	const tags = await page.$$eval(".opblock-tag", (els) => els.length);
	assert(tags >= 3, `only ${tags} sections`);
	const servers = await page.$$eval(".servers select option", (els) => els.map((e) => e.value));
	assert(servers[0] === origin, `try-it does not target this origin first: ${servers}`);
	assert(requests.every((u) => u.startsWith(origin) || u.startsWith("data:")), "a request left this host");
	await page.screenshot({ path: `${shots}/docs.png` });
	clean(trouble);
	await context.close();
});

await browser.close();
for (const r of results)
	console.log(JSON.stringify(r));
process.exit(results.every((r) => r.ok) ? 0 : 1);
