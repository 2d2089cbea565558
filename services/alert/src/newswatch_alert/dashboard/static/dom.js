// Small DOM helpers. Article text and every other server value go in through textContent, never as
// HTML, so a feed cannot inject markup into the page.

/** Create an element: h("a", {href: "/x", class: "y"}, "text", child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Text with <mark> around the highlight spans (offsets in code points, as the API gives them). */
export function highlighted(text, spans = []) {
  const chars = Array.from(text);
  const out = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at || span.end > chars.length) continue;
    if (span.start > at) out.push(chars.slice(at, span.start).join(""));
    const what = span.kind === "term" ? `escalation term: ${span.label} (${span.category})` : `entity: ${span.label}`;
    const classes = [span.kind, span.negated ? "negated" : "", span.hedged ? "hedged" : ""].filter(Boolean);
    const note = span.negated ? ", negated" : span.hedged ? ", hedged" : "";
    out.push(h("mark", { class: classes.join(" "), title: what + note }, chars.slice(span.start, span.end).join("")));
    at = span.end;
  }
  if (at < chars.length) out.push(chars.slice(at).join(""));
  return out;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** <time> with a relative label ("5 minutes ago") and the full date as its title. */
export function timeEl(iso) {
  const when = new Date(iso);
  const el = h("time", { datetime: when.toISOString(), title: absolute.format(when) }, ago(when));
  return el;
}

export function ago(when) {
  const seconds = Math.round((when.getTime() - Date.now()) / 1000);
  const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [604800, "day"], [Infinity, "week"]];
  let size = 1;
  for (const [limit, unit] of steps) {
    if (Math.abs(seconds) < limit) return relative.format(Math.round(seconds / size), unit);
    size = limit;
  }
  return absolute.format(when);
}

/** Refresh every <time> label, so "2 minutes ago" stays true without reloading. */
export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll("time[datetime]")) el.textContent = ago(new Date(el.getAttribute("datetime")));
}

/** Escalation level words: colour is never the only cue. */
export function level(score) {
  if (score >= 60) return ["high", "high"];
  if (score >= 30) return ["elevated", "elevated"];
  if (score > 0) return ["low", "low"];
  return ["none", "none"];
}

export function scoreEl(score) {
  const [name, word] = level(score);
  return h("span", { class: "score", dataset: { level: name } }, `Escalation ${Math.round(score)} · ${word}`);
}

const regions = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(undefined, { type: "region" }) : null;

/** "UA" → "Ukraine (UA)", from the browser's own data (no network). */
export function countryName(code) {
  try {
    const name = regions && regions.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}
