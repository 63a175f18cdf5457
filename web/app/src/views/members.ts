// Members: one member's profile, and erasure (admin scope) behind a
// confirmation that names the member.
import { call, type Schemas } from "../api.js";
import { h, count, pct, num, localDay } from "../ui.js";
import { go, params } from "../state.js";

type Profile = Schemas["MemberProfile"];

function profile(p: Profile, onErased: () => void): HTMLElement {
	const dialog = h("dialog", { "aria-labelledby": "erase-h", "data-testid": "erase-dialog" },
		h("h2", { id: "erase-h" }, `Erase member “${p.member}”?`),
		h("p", {}, `Every event and survey answer of “${p.member}” is deleted for good. Indicators already computed will change.`),
		h("form", { method: "dialog" },
			h("button", { value: "cancel", autofocus: true }, "Cancel"),
			h("button", { value: "erase", class: "danger", "data-testid": "erase-confirm" }, `Erase “${p.member}”`)));
	const error = h("p", { class: "error", role: "alert", hidden: true });
	dialog.addEventListener("close", async () => {
		if (dialog.returnValue !== "erase")
			return;
		try {
			await call("admin", (c) => c.DELETE("/v1/members/{member}", { params: { path: { member: p.member } } }));
			onErased();
		} catch (err) {
			error.hidden = false;
			error.textContent = err instanceof Error ? err.message : String(err);
		}
	});
	return h("section", { class: "card", "data-testid": "member-profile" },
		h("h2", {}, p.member),
		h("p", {}, `${count(p.events)} events from ${localDay(p.first_seen)} to ${localDay(p.last_seen)}; `,
			`${count(p.active)} active, ${count(p.free_choice)} by free choice (${pct(p.free_choice_share)}).`),
		h("table", { class: "data" }, h("caption", {}, "Events per kind"),
			h("tbody", {}, Object.entries(p.by_kind).map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, count(v)))))),
		h("p", {}, "Channels: ", Object.entries(p.by_channel).map(([k, v]) => `${k} (${v})`).join(", ")),
		h("p", {}, "Campaigns: ", p.campaigns.length ? p.campaigns.join(", ") : "none"),
		h("table", { class: "data" }, h("caption", {}, "Trajectory per month (UTC)"),
			h("thead", {}, h("tr", {}, ["month", "events", "deepest kind", "competence"].map((t) => h("th", { scope: "col" }, t)))),
			h("tbody", {}, p.trajectory.map((m) => h("tr", {}, h("th", { scope: "row" }, m.month), h("td", {}, count(m.events)),
				h("td", {}, m.deepest_kind), h("td", {}, num(m.competence)))))),
		h("p", {}, "Competence trend: ", p.competence_trend === null ? "not enough months with a signal" : num(p.competence_trend)),
		h("button", { type: "button", class: "danger", "data-testid": "erase", onclick: () => dialog.showModal() }, `Erase “${p.member}”…`),
		h("p", { class: "hint" }, "Needs the admin scope."), error, dialog);
}

export async function renderMembers(main: HTMLElement, current: () => boolean): Promise<void> {
	const id = params().get("member");
	const input = h("input", { id: "member-id", name: "member", required: true, value: id ?? "", maxlength: 128 });
	const out = h("div", {});
	main.append(h("h1", {}, "Members"),
		h("form", { class: "card", role: "search", "data-testid": "member-form", onsubmit: (e: Event) => {
			e.preventDefault();
			go({ member: input.value.trim() });
		} }, h("label", { for: "member-id" }, "Member id "), input, h("button", { type: "submit" }, "Look up")),
		out);
	if (!id)
		return;
	out.append(h("p", { class: "loading", role: "status" }, `Loading ${id}…`));
	const p = await call<Profile | null>("events:read", async (c) => {
		const r = await c.GET("/v1/members/{member}", { params: { path: { member: id } } });
		// An unknown member is an answer, not an error.
		return r.response.status === 404 ? { data: null, response: new Response("null") } : r;
	});
	if (!current())
		return;
	out.replaceChildren(p === null
		? h("p", { "data-testid": "member-unknown" }, `No member “${id}” in this organization.`)
		: profile(p, () => out.replaceChildren(h("p", { role: "status", "data-testid": "member-erased" }, `“${id}” was erased.`))));
}
