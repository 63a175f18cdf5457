// Drives headless Chromium (Debian's) through tests/browser/cors.html,
// served from each origin in PAGE_URLS (space-separated), against the API
// at API_URL with TOKEN; prints {pageUrl: what the page read} as JSON.
// tests/api/test_browser_cors.py serves the page, starts the service and
// judges the result.
import { chromium } from "playwright-core";

const { API_URL, PAGE_URLS, TOKEN } = process.env;
if (!API_URL || !PAGE_URLS || !TOKEN) {
	console.error("cors.mjs: set API_URL, PAGE_URLS and TOKEN");
	process.exit(2);
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox"],
});
const results = {};
try {
	for (const pageUrl of PAGE_URLS.split(" ")) {
		const page = await browser.newPage();
		const console_ = [];
		page.on("console", (m) => console_.push(m.text()));
		const hash = new URLSearchParams({ api: API_URL, token: TOKEN });
		await page.goto(`${pageUrl}#${hash}`);
		await page.waitForSelector("body[data-done]", { timeout: 20000 });
		results[pageUrl] = {
			seen: JSON.parse(await page.textContent("#result")),
			console: console_,
		};
		await page.close();
	}
} finally {
	await browser.close();
}
console.log(JSON.stringify(results));
