// Watchlists of the signed-in user: list, create, edit (PATCH), enable/disable, delete, and a dry run
// against the newest articles through POST /watchlists/test (which explains every clause).

import { api, ApiError } from "./api.js";
import { fill, h } from "./dom.js";

const TEST_ARTICLES = 10;

function list(text) {
  return String(text || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export class Watchlists {
  constructor({ say }) {
    this.say = say;
    this.form = document.getElementById("wl-form");
    this.heading = document.getElementById("wl-form-heading");
    this.errors = document.getElementById("wl-errors");
    this.save = document.getElementById("wl-save");
    this.cancel = document.getElementById("wl-cancel");
    this.results = document.getElementById("wl-test-results");
    this.list = document.getElementById("wl-list");
    this.empty = document.getElementById("wl-empty");
    this.items = new Map();
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    document.getElementById("wl-test").addEventListener("click", () => this.test());
    this.cancel.addEventListener("click", () => this.edit(null));
    this.loadConcepts();
  }

  /** Offer the concept scheme's names (GET /concepts, public) as completions for keywords. */
  async loadConcepts() {
    try {
      const { concepts } = await api("/concepts");
      fill(
        document.getElementById("concepts"),
        concepts.map((c) => h("option", { value: c.name, label: `${c.name} (${c.category})` })),
      );
    } catch {
      // completions are a convenience: the form works without them
    }
  }

  body() {
    const f = this.form.elements;
    return {
      name: f.name.value.trim(),
      query: f.query.value.trim() || null,
      entities: list(f.entities.value),
      keywords: list(f.keywords.value),
      min_score: Number(f.min_score.value || 0),
      languages: list(f.languages.value),
      enabled: f.enabled.checked,
    };
  }

  async refresh() {
    try {
      const { watchlists } = await api("/watchlists", { signed: true });
      this.items = new Map(watchlists.map((w) => [w.id, w]));
      fill(this.list, watchlists.map((w) => this.item(w)));
      this.empty.hidden = watchlists.length > 0;
    } catch (e) {
      this.say(e.message, "error");
    }
  }

  item(w) {
    const parts = [];
    if (w.query) parts.push(h("div", {}, "Query: ", h("code", {}, w.query)));
    if (w.entities.length) parts.push(h("div", {}, `Entities: ${w.entities.join(", ")}`));
    if (w.keywords.length) parts.push(h("div", {}, `Keywords: ${w.keywords.join(", ")}`));
    if (w.min_score) parts.push(h("div", {}, `Minimum score: ${w.min_score}`));
    if (w.languages && w.languages.length) parts.push(h("div", {}, `Languages: ${w.languages.join(", ")}`));
    const enabled = w.enabled !== false;
    const headingId = `wl-${w.id}`;
    return h(
      "li",
      { class: enabled ? "" : "off", "aria-labelledby": headingId, dataset: { id: w.id } },
      h(
        "div",
        { class: "wl-head" },
        h("h3", { id: headingId }, w.name, enabled ? "" : " (disabled)"),
        h(
          "span",
          { class: "actions" },
          h("button", { type: "button", class: "secondary", "aria-pressed": String(enabled), onclick: () => this.toggle(w), "aria-label": `${w.name}: enabled` }, enabled ? "Enabled" : "Disabled"),
          h("button", { type: "button", class: "secondary", onclick: () => this.edit(w), "aria-label": `Edit ${w.name}` }, "Edit"),
          h("button", { type: "button", class: "danger", onclick: () => this.remove(w), "aria-label": `Delete ${w.name}` }, "Delete"),
        ),
      ),
      parts,
    );
  }

  edit(w) {
    const f = this.form.elements;
    f.id.value = w ? w.id : "";
    f.name.value = w ? w.name : "";
    f.query.value = (w && w.query) || "";
    f.entities.value = w ? w.entities.join(", ") : "";
    f.keywords.value = w ? w.keywords.join(", ") : "";
    f.min_score.value = w ? w.min_score || 0 : 0;
    f.languages.value = w && w.languages ? w.languages.join(", ") : "";
    f.enabled.checked = w ? w.enabled !== false : true;
    this.heading.textContent = w ? `Edit “${w.name}”` : "New watchlist";
    this.save.textContent = w ? "Save changes" : "Create watchlist";
    this.cancel.hidden = !w;
    fill(this.errors);
    fill(this.results);
    f.name.focus();
  }

  async submit() {
    fill(this.errors);
    const id = this.form.elements.id.value;
    const body = this.body();
    if (!body.name) {
      this.errors.textContent = "Give the watchlist a name.";
      this.form.elements.name.focus();
      return;
    }
    this.save.disabled = true;
    try {
      const saved = id
        ? await api(`/watchlists/${encodeURIComponent(id)}`, { method: "PATCH", body, signed: true })
        : await api("/watchlists", { method: "POST", body, signed: true });
      const notes = saved.notes && saved.notes.length ? ` Note: ${saved.notes.join("; ")}.` : "";
      this.say((id ? `Saved “${saved.name}”.` : `Created “${saved.name}”. Alerts appear under Alerts.`) + notes, "info");
      this.edit(null);
      await this.refresh();
    } catch (e) {
      this.errors.textContent = e.message;
    } finally {
      this.save.disabled = false;
    }
  }

  async toggle(w) {
    try {
      const saved = await api(`/watchlists/${encodeURIComponent(w.id)}`, { method: "PATCH", body: { enabled: w.enabled === false }, signed: true });
      this.say(`“${saved.name}” is now ${saved.enabled === false ? "disabled" : "enabled"}.`, "info");
      await this.refresh();
    } catch (e) {
      this.say(e.message, "error");
    }
  }

  async remove(w) {
    if (!confirm(`Delete the watchlist “${w.name}”? Alerts already made stay.`)) return;
    try {
      await api(`/watchlists/${encodeURIComponent(w.id)}`, { method: "DELETE", signed: true });
      this.say(`Deleted “${w.name}”.`, "info");
      await this.refresh();
    } catch (e) {
      this.say(e.message, "error");
    }
  }

  /** Run the form's watchlist (unsaved) against the newest articles and show the verdicts. */
  async test() {
    fill(this.errors);
    const body = this.body();
    if (!body.name) body.name = "test";
    fill(this.results, h("p", {}, "Testing…"));
    try {
      const { articles } = await api(`/articles?limit=${TEST_ARTICLES}`);
      const verdicts = await Promise.all(
        articles.map((a) => api("/watchlists/test", { method: "POST", body: { watchlist: body, article_id: a.id }, signed: true })),
      );
      const hits = verdicts.filter((v) => v.matches).length;
      fill(
        this.results,
        h("h3", {}, `Would alert on ${hits} of the ${articles.length} newest articles`),
        h(
          "ol",
          {},
          verdicts.map((v, i) =>
            h(
              "li",
              {},
              h("span", { class: v.matches ? "verdict-yes" : "verdict-no" }, v.matches ? "✓ match: " : "✗ no match: "),
              articles[i].title,
              h("ul", { class: "why" }, (v.matches ? v.reasons : v.reasons_not).slice(0, 4).map((r) => h("li", {}, r))),
            ),
          ),
        ),
      );
    } catch (e) {
      fill(this.results);
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) this.errors.textContent = "This server has no POST /watchlists/test.";
      else this.errors.textContent = e.message;
    }
  }
}
