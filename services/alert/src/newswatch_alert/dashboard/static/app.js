// The dashboard's entry point: sections by URL hash, sign-in with an API key (sessionStorage: gone
// when the tab closes), and the wiring between the feed, trends, watchlists and alerts.

import { Alerts } from "./alerts.js";
import { api, auth } from "./api.js";
import { h, refreshTimes } from "./dom.js";
import { Feed, filtersFromLocation } from "./feed.js";
import { Trends } from "./trends.js";
import { Watchlists } from "./watchlists.js";

const VIEWS = ["feed", "trends", "watchlists", "alerts"];
const status = document.getElementById("status");
let statusTimer = 0;

function say(message, kind = "info") {
  clearTimeout(statusTimer);
  status.dataset.kind = kind;
  status.textContent = message;
  if (kind !== "error") statusTimer = setTimeout(() => (status.textContent = ""), 6000);
}

function debounce(fn, ms) {
  let timer = 0;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

const seen = { entities: new Set(), terms: new Set(), categories: new Set(), sources: new Set() };
function remember(article) {
  const add = (set, id, value) => {
    if (!value || set.has(value) || set.size > 300) return;
    set.add(value);
    document.getElementById(id).append(h("option", { value }));
  };
  for (const e of article.entities) add(seen.entities, "seen-entities", e.canonical);
  for (const m of article.escalation) {
    add(seen.terms, "seen-terms", m.term);
    add(seen.categories, "seen-categories", m.category);
  }
  add(seen.sources, "seen-sources", article.source);
}

const alerts = new Alerts({ say });
const watchlists = new Watchlists({ say });
const trends = new Trends({
  say,
  onPick(kind, entry) {
    // On the trends page a country opens its chart; anywhere else a pick filters the feed.
    if (kind === "country" && currentView() === "trends") {
      trends.showCountry(entry.key);
      return;
    }
    feed.filterBy(kind, kind === "country" ? entry.key : entry.name);
    location.hash = "#feed";
  },
});
const refreshTrendsSoon = debounce(() => trends.refresh(), 4000);
const refreshAlertsSoon = debounce(() => auth.key && alerts.refresh(), 2500);
const feed = new Feed({
  say,
  onArticle(article) {
    remember(article);
    refreshTrendsSoon();
    refreshAlertsSoon(); // a new article may have matched a watchlist
  },
});

function currentView() {
  const name = location.hash.replace("#", "");
  return VIEWS.includes(name) ? name : "feed";
}

function show() {
  const name = currentView();
  for (const view of VIEWS) document.getElementById(`view-${view}`).hidden = view !== name;
  for (const link of document.querySelectorAll("[data-view]")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `newswatch — ${document.querySelector(`[data-view="${name}"]`).textContent.toLowerCase()}`;
  if (name === "trends") trends.refreshChart();
  if (auth.key && name === "watchlists") watchlists.refresh();
  if (auth.key && name === "alerts") alerts.refresh();
}

function signedIn(yes) {
  document.body.classList.toggle("signed", yes);
  document.getElementById("signin").hidden = yes;
  document.getElementById("signed-in").hidden = !yes;
}

document.getElementById("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("api-key");
  const key = input.value.trim();
  auth.key = key;
  try {
    await api("/watchlists", { signed: true }); // proves the key before it is kept
    input.value = "";
    signedIn(true);
    say("Signed in. The key is kept for this tab only.");
    show();
  } catch (e) {
    auth.key = null;
    say(e.message, "error");
    input.focus();
  }
});

document.getElementById("signout").addEventListener("click", () => {
  auth.key = null;
  signedIn(false);
  say("Signed out.");
  document.getElementById("api-key").focus();
});

window.addEventListener("hashchange", () => {
  show();
  document.getElementById("main").focus({ preventScroll: true });
});

signedIn(Boolean(auth.key));
if (window.matchMedia("(max-width: 560px)").matches) document.getElementById("filter-box").open = false;
show();
const initial = filtersFromLocation();
feed.writeForm(initial);
feed.apply(initial);
trends.refresh();
setInterval(() => refreshTimes(), 30000);
setInterval(() => {
  if (document.hidden || !auth.key) return;
  if (currentView() === "alerts") alerts.refresh(); // delivery status changes without new articles
}, 10000);
