// Trends: the escalation chart from GET /trends and the "rising now" lists from GET /trends/top.

import { api, query } from "./api.js";
import { drawChart } from "./chart.js";
import { countryName, fill, h } from "./dom.js";

export class Trends {
  constructor({ say, onPick }) {
    this.say = say;
    this.onPick = onPick;
    this.form = document.getElementById("trend-form");
    this.chart = document.getElementById("chart");
    this.caption = document.getElementById("chart-caption");
    this.table = document.getElementById("chart-table");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.refresh();
    });
    this.form.elements.window.addEventListener("change", () => this.refreshRising());
  }

  get country() {
    return this.form.elements.country.value.trim().toUpperCase();
  }

  showCountry(code) {
    this.form.elements.country.value = code;
    this.refresh();
  }

  async refresh() {
    await Promise.all([this.refreshChart(), this.refreshRising()]);
  }

  async refreshChart() {
    const [range, bucket] = this.form.elements.range.value.split("|");
    const hours = Number.parseInt(range, 10);
    const since = new Date(Date.now() - hours * 3600 * 1000).toISOString();
    const country = this.country;
    const name = country ? countryName(country) : "all articles";
    try {
      const series = await api(`/trends${query({ country, bucket, since })}`);
      drawChart(this.chart, series, name);
      const total = series.buckets.reduce((n, b) => n + b.count, 0);
      this.caption.textContent = `${name}: ${total} articles, ${series.buckets.length} buckets of ${series.bucket} (UTC-aligned).`;
      this.renderTable(series);
    } catch (e) {
      this.say(e.message, "error");
    }
  }

  renderTable(series) {
    const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });
    fill(
      this.table,
      h("caption", { class: "visually-hidden" }, "Escalation per bucket"),
      h("thead", {}, h("tr", {}, ["Bucket start", "Articles", "Mean score", "Max score"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        series.buckets.map((b) =>
          h("tr", {}, h("td", {}, fmt.format(new Date(b.start))), h("td", {}, b.count), h("td", {}, b.mean_score ?? "–"), h("td", {}, b.max_score ?? "–")),
        ),
      ),
    );
  }

  async refreshRising() {
    const window = this.form.elements.window.value;
    for (const el of document.querySelectorAll(".rising-window")) el.textContent = window;
    try {
      const top = await api(`/trends/top${query({ window, limit: 8 })}`);
      for (const id of ["rising-countries", "rising-countries-2"]) this.renderRising(document.getElementById(id), top.countries, "country");
      for (const id of ["rising-entities", "rising-entities-2"]) this.renderRising(document.getElementById(id), top.entities, "entity");
      const known = document.getElementById("seen-countries");
      for (const c of top.countries) if (!known.querySelector(`option[value="${c.key}"]`)) known.append(h("option", { value: c.key }));
    } catch (e) {
      this.say(e.message, "error");
    }
  }

  renderRising(list, entries, kind) {
    if (!entries.length) {
      fill(list, h("li", { class: "empty" }, "Nothing rising in this window."));
      return;
    }
    fill(
      list,
      entries.map((entry) => {
        const what = `${entry.current.count} article${entry.current.count === 1 ? "" : "s"}, mean ${entry.current.mean_score ?? "–"}` +
          ` (before: ${entry.previous.count}, mean ${entry.previous.mean_score ?? "–"})`;
        return h(
          "li",
          {},
          h(
            "span",
            {},
            h("button", { type: "button", onclick: () => this.onPick(kind, entry) }, kind === "country" ? countryName(entry.key) : entry.name),
            h("br"),
            h("span", { class: "hint" }, what),
          ),
          h("span", { class: "rise", "aria-label": `rose by ${entry.rise}` }, `▲ ${Math.round(entry.rise)}`),
        );
      }),
    );
  }
}
