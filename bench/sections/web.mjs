// Time from navigation to the dashboard overview's numbers, in headless
// Chromium (a fresh browser context each run: nothing cached).
//   node bench/sections/web.mjs URL TOKEN QUERY RUNS  → one line: ms of each run
import { chromium } from "playwright-core";

const [base, token, query, runs] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const times = [];
for (let i = 0; i < Number(runs); i++) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(`${base}/app/?${query}#token=${token}`);
	await page.waitForSelector('[data-testid="value-amp"]', { timeout: 120000 });
	// performance.now() counts from the start of the navigation.
	times.push(await page.evaluate(() => performance.now()));
	await context.close();
}
await browser.close();
console.log(times.map((t) => t.toFixed(0)).join(" "));
