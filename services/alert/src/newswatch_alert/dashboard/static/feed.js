// The live feed: the first page from GET /articles, then new articles from GET /articles/stream (SSE).
// The stream is opened before the page is read and its events are held until the page is shown, so
// nothing that arrives in between is lost; cards are keyed by story (every outlet's copy of one report
// is one card, "+N sources" expands to the copies), so nothing shows twice. EventSource reconnects by
// itself and resumes with Last-Event-ID.

import { api, query } from "./api.js";
import { fill, h, highlighted, scoreEl, timeEl } from "./dom.js";

const FILTERS = ["q", "country", "entity", "term", "category", "source", "language", "min_score"];
const PAGE = 30;
const MAX_CARDS = 300; // older cards are dropped from the page (the API still has them)

export class Feed {
  constructor({ onArticle, say }) {
    this.list = document.getElementById("feed-list");
    this.empty = document.getElementById("feed-empty");
    this.more = document.getElementById("more");
    this.state = document.getElementById("live-state");
    this.pauseButton = document.getElementById("pause");
    this.showNew = document.getElementById("show-new");
    this.form = document.getElementById("filters");
    this.onArticle = onArticle;
    this.say = say;
    this.cards = new Map();
    this.shown = new Map(); // story → the copy its card shows
    this.pending = [];
    this.paused = false;
    this.source = null;
    this.cursor = null;
    this.generation = 0;

    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.apply(this.readForm());
    });
    this.form.addEventListener("reset", () => setTimeout(() => this.apply({}), 0));
    this.more.addEventListener("click", () => this.loadMore());
    this.pauseButton.addEventListener("click", () => this.setPaused(!this.paused));
    this.showNew.addEventListener("click", () => this.flushPending());
  }

  readForm() {
    const data = new FormData(this.form);
    const filters = {};
    for (const name of FILTERS) {
      const value = String(data.get(name) || "").trim();
      if (value) filters[name] = value;
    }
    return filters;
  }

  writeForm(filters) {
    for (const name of FILTERS) this.form.elements[name].value = filters[name] || "";
  }

  /** Filter by one value (from a chip or the "rising" list). */
  filterBy(name, value) {
    const filters = { ...this.readForm(), [name]: value };
    this.writeForm(filters);
    this.apply(filters);
  }

  async apply(filters) {
    this.filters = filters;
    const url = new URL(location.href);
    url.search = query(filters);
    history.replaceState(null, "", url);
    await this.start();
  }

  async start() {
    const generation = ++this.generation;
    if (this.source) this.source.close();
    this.cards.clear();
    this.shown.clear();
    this.pending = [];
    fill(this.list);
    this.held = [];
    this.holding = true;
    this.openStream(generation);
    try {
      const page = await api(`/articles${query({ ...this.filters, limit: PAGE, collapse: "story" })}`);
      if (generation !== this.generation) return;
      for (const article of page.articles) this.list.append(this.card(article, false));
      this.cursor = page.next_cursor;
      this.more.hidden = !this.cursor;
    } catch (e) {
      if (generation === this.generation) this.say(e.message, "error");
    } finally {
      if (generation === this.generation) {
        this.holding = false;
        for (const article of this.held) this.arrive(article);
        this.held = [];
        this.updateEmpty();
      }
    }
  }

  openStream(generation) {
    const source = new EventSource(`/articles/stream${query(this.filters)}`);
    this.source = source;
    this.setState("connecting", "Connecting…");
    source.onopen = () => {
      if (generation === this.generation) this.setState(this.paused ? "paused" : "live", this.paused ? "Paused" : "Live");
    };
    source.onerror = () => {
      if (generation !== this.generation) return;
      // EventSource retries by itself (closed only on a non-200 answer, e.g. a 422 for a bad filter).
      if (source.readyState === EventSource.CLOSED) this.setState("down", "Disconnected: check the filters");
      else this.setState("connecting", "Reconnecting…");
    };
    source.addEventListener("article", (event) => {
      if (generation !== this.generation) return;
      const article = JSON.parse(event.data);
      if (this.holding) this.held.push(article);
      else this.arrive(article);
    });
    source.addEventListener("gap", () => {
      this.say("Some articles were missed while disconnected; reloading the feed.", "info");
      this.start();
    });
  }

  arrive(article) {
    this.onArticle(article);
    if (this.paused) {
      this.pending = this.pending.filter((a) => storyOf(a) !== storyOf(article)).concat(article);
      this.showNew.hidden = false;
      this.showNew.textContent = `Show ${this.pending.length} new article${this.pending.length === 1 ? "" : "s"}`;
      return;
    }
    this.insert(article);
  }

  insert(article) {
    // A new copy of a story already shown takes its card's place at the top, with every source so far.
    // The card shows the story's newest copy, as GET /articles?collapse=story does: copies arrive in the
    // order the match role stored them, which across partitions is not the order they were published.
    const story = storyOf(article);
    const old = this.cards.get(story);
    const shown = this.shown.get(story);
    const known = old ? JSON.parse(old.dataset.sources || "[]") : [];
    const sources = dedupe([...known, ...(article.story_sources || [])]);
    const newest = shown && publishedAfter(shown, article) ? shown : article;
    const card = this.card({ ...newest, story_sources: sources }, true);
    if (old) old.remove();
    this.list.prepend(card);
    while (this.list.children.length > MAX_CARDS) {
      const last = this.list.lastElementChild;
      this.cards.delete(last.dataset.id);
      this.shown.delete(last.dataset.id);
      last.remove();
    }
    this.updateEmpty();
  }

  flushPending() {
    for (const article of this.pending) this.insert(article);
    this.pending = [];
    this.showNew.hidden = true;
  }

  setPaused(paused) {
    this.paused = paused;
    this.pauseButton.setAttribute("aria-pressed", String(paused));
    this.pauseButton.textContent = paused ? "Resume updates" : "Pause updates";
    if (!paused) this.flushPending();
    this.setState(paused ? "paused" : "live", paused ? "Paused" : "Live");
  }

  setState(state, label) {
    this.state.dataset.state = state;
    this.state.textContent = label;
  }

  async loadMore() {
    if (!this.cursor) return;
    this.more.disabled = true;
    try {
      const page = await api(`/articles${query({ ...this.filters, limit: PAGE, cursor: this.cursor, collapse: "story" })}`);
      for (const article of page.articles) if (!this.cards.has(storyOf(article))) this.list.append(this.card(article, false));
      this.cursor = page.next_cursor;
      this.more.hidden = !this.cursor;
    } catch (e) {
      this.say(e.message, "error");
    } finally {
      this.more.disabled = false;
    }
  }

  updateEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }

  card(article, fresh) {
    const story = storyOf(article);
    const titleId = `a-${article.id}`;
    const sources = article.story_sources || [];
    const marks = article.highlights || {};
    const entities = dedupe(article.entities.map((e) => e.canonical));
    const terms = dedupe(article.escalation.map((m) => m.term));
    const chips = [
      ...terms.map((t) => chip("term", t, () => this.filterBy("term", t), `Show articles with the term ${t}`)),
      ...entities.map((e) => chip("entity", e, () => this.filterBy("entity", e), `Show articles naming ${e}`)),
    ];
    const card = h(
      "li",
      {
        class: `article${fresh ? " fresh" : ""}`,
        dataset: { id: story, article: article.id, sources: JSON.stringify(sources) },
        "aria-labelledby": titleId,
      },
      h("h2", { id: titleId }, h("a", { href: article.url || "#", rel: "noopener noreferrer", target: "_blank" }, highlighted(article.title, marks.title))),
      h(
        "p",
        { class: "meta" },
        h("span", { class: "source" }, article.source || "unknown source"),
        timeEl(article.published_at),
        scoreEl(article.score),
        article.language ? h("span", { lang: "en" }, `Language: ${article.language}`) : null,
      ),
      article.summary ? h("p", { class: "summary" }, highlighted(article.summary, marks.summary)) : null,
      chips.length ? h("ul", { class: "chips", "aria-label": "Escalation terms and entities" }, chips.map((c) => h("li", {}, c))) : null,
      sources.length > 1 ? this.copies(story, sources) : null,
    );
    this.cards.set(story, card);
    this.shown.set(story, article);
    return card;
  }

  /** "+N sources": a disclosure button (aria-expanded) that lists the story's copies from GET /stories/{id}. */
  copies(story, sources) {
    const listId = `copies-${story}`;
    const list = h("ul", { id: listId, class: "copies", "aria-label": "Copies of this story", hidden: true });
    const more = sources.length - 1;
    const button = h(
      "button",
      { type: "button", class: "secondary sources", "aria-expanded": "false", "aria-controls": listId, title: sources.join(", ") },
      `+${more} source${more === 1 ? "" : "s"}`,
    );
    button.addEventListener("click", async () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      list.hidden = !open;
      if (!open) return;
      try {
        const detail = await api(`/stories/${encodeURIComponent(story)}`);
        fill(
          list,
          detail.articles.map((copy) =>
            h(
              "li",
              {},
              h("span", { class: "source" }, copy.source || "unknown source"),
              " ",
              h("a", { href: copy.url || "#", rel: "noopener noreferrer", target: "_blank" }, copy.title),
              " ",
              timeEl(copy.published_at),
            ),
          ),
        );
      } catch (e) {
        this.say(e.message, "error");
      }
    });
    return h("div", { class: "story" }, button, list);
  }
}

function chip(kind, label, onclick, description) {
  return h("button", { type: "button", class: `chip ${kind}`, onclick, title: description, "aria-label": description }, label);
}

function storyOf(article) {
  return article.story_id || article.id;
}

/** Whether copy ``a`` was published after copy ``b`` (a copy without a date is never the newer). */
function publishedAfter(a, b) {
  const ta = Date.parse(a.published_at || "");
  const tb = Date.parse(b.published_at || "");
  return Number.isFinite(ta) && (!Number.isFinite(tb) || ta > tb);
}

function dedupe(values) {
  return [...new Set(values)];
}

export function filtersFromLocation() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);
  return filters;
}
