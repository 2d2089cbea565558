// Alert history of the signed-in user (GET /alerts), with each channel's delivery status.

import { api } from "./api.js";
import { fill, h, scoreEl, timeEl } from "./dom.js";

const STATUS_WORDS = {
  pending: "pending",
  delivered: "delivered",
  failed: "failed, will retry",
  dead: "failed for good (GET /deliveries/dead to redrive)",
  unconfirmed: "not sent: the address has not confirmed",
};

export class Alerts {
  constructor({ say }) {
    this.say = say;
    this.list = document.getElementById("alert-list");
    this.empty = document.getElementById("alerts-empty");
    this.shown = new Set();
    document.getElementById("alerts-refresh").addEventListener("click", () => this.refresh());
  }

  async refresh() {
    try {
      const { alerts } = await api("/alerts?limit=100", { signed: true });
      fill(this.list, alerts.map((a) => this.item(a)));
      this.empty.hidden = alerts.length > 0;
      this.shown = new Set(alerts.map((a) => a.id));
    } catch (e) {
      this.say(e.message, "error");
    }
  }

  item(alert) {
    const headingId = `al-${alert.id}`;
    const deliveries = alert.deliveries || [];
    return h(
      "li",
      { class: "article", "aria-labelledby": headingId, dataset: { id: alert.id } },
      h("h2", { id: headingId }, h("a", { href: alert.url || "#", rel: "noopener noreferrer", target: "_blank" }, alert.title)),
      h(
        "p",
        { class: "meta" },
        h("span", {}, `Watchlist: ${alert.watchlist_name}`),
        h("span", {}, "alerted ", timeEl(alert.created_at)),
        h("span", {}, alert.source || ""),
        scoreEl(alert.score),
      ),
      alert.reasons && alert.reasons.length ? h("ul", { class: "why", "aria-label": "Why it matched" }, alert.reasons.slice(0, 5).map((r) => h("li", {}, r))) : null,
      h(
        "p",
        { class: "deliveries" },
        deliveries.length
          ? deliveries.map((d) =>
              h(
                "span",
                { class: "delivery", dataset: { status: d.status } },
                `${d.type}: `,
                h("span", { class: "st" }, STATUS_WORDS[d.status] || d.status),
                d.attempts ? ` (${d.attempts} attempt${d.attempts === 1 ? "" : "s"})` : "",
                d.last_error ? ` – last error: ${d.last_error}` : "",
              ),
            )
          : h("span", { class: "hint" }, "No delivery channels: shown here only."),
      ),
    );
  }
}
