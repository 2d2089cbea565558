// The escalation chart, drawn as SVG by hand: count bars (right axis, lower part), mean score line with
// dots and max score dashed line with ticks (left axis, 0–100). No chart library: the drawing is a few dozen lines and ships with us.

const NS = "http://www.w3.org/2000/svg";
const W = 800;
const H = 300;
const PAD = { left: 44, right: 44, top: 34, bottom: 40 };

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function label(date, bucketSeconds) {
  const options = bucketSeconds >= 86400 ? { month: "short", day: "numeric" } : bucketSeconds >= 3 * 3600
    ? { month: "short", day: "numeric", hour: "2-digit" } : { hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(undefined, options).format(date);
}

/** A one-sentence summary of the series, read by screen readers as the chart's description. */
export function describeSeries(series, name) {
  const filled = series.buckets.filter((b) => b.count > 0);
  const total = series.buckets.reduce((n, b) => n + b.count, 0);
  if (!filled.length) return `No articles for ${name} in this period.`;
  const peak = filled.reduce((a, b) => (b.max_score > a.max_score ? b : a));
  const last = filled[filled.length - 1];
  return (
    `${total} articles for ${name}. Highest score ${peak.max_score} ` +
    `(${label(new Date(peak.start), series.bucket_seconds)}); latest mean score ${last.mean_score} ` +
    `(${label(new Date(last.start), series.bucket_seconds)}).`
  );
}

export function drawChart(container, series, name) {
  const buckets = series.buckets;
  const n = Math.max(buckets.length, 1);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const maxCount = Math.max(1, ...buckets.map((b) => b.count));
  const x = (i) => PAD.left + (plotW * (i + 0.5)) / n;
  const yScore = (v) => PAD.top + plotH - (plotH * v) / 100;
  // Counts use the lower 40% of the plot, so the score lines above stay readable.
  const yCount = (v) => PAD.top + plotH - (0.4 * plotH * v) / maxCount;

  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-t chart-d" });
  svg.append(s("title", { id: "chart-t" }, `Escalation over time: ${name}`));
  svg.append(s("desc", { id: "chart-d" }, describeSeries(series, name)));

  for (const v of [0, 25, 50, 75, 100]) {
    svg.append(s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: yScore(v), y2: yScore(v) }));
    svg.append(s("text", { x: PAD.left - 6, y: yScore(v) + 4, "text-anchor": "end" }, String(v)));
  }
  for (const v of [0, Math.round(maxCount / 2), maxCount]) {
    svg.append(s("text", { x: W - PAD.right + 6, y: yCount(v) + 4 }, String(v)));
  }
  svg.append(s("text", { x: 4, y: 14 }, "score"));
  svg.append(s("text", { x: W - PAD.right - 4, y: 14, "text-anchor": "end" }, "articles"));

  const barW = Math.max(1, (plotW / n) * 0.7);
  buckets.forEach((b, i) => {
    if (!b.count) return;
    const bar = s("rect", { class: "bar", x: x(i) - barW / 2, y: yCount(b.count), width: barW, height: yCount(0) - yCount(b.count) });
    bar.append(s("title", {}, `${label(new Date(b.start), series.bucket_seconds)}: ${b.count} articles, mean ${b.mean_score}, max ${b.max_score}`));
    svg.append(bar);
  });

  for (const [key, cls] of [["max_score", "max"], ["mean_score", "mean"]]) {
    let d = "";
    let open = false;
    buckets.forEach((b, i) => {
      if (b[key] === null) {
        open = false;
        return;
      }
      d += `${open ? "L" : "M"}${x(i).toFixed(1)},${yScore(b[key]).toFixed(1)}`;
      open = true;
    });
    if (d) svg.append(s("path", { class: cls, d }));
  }
  const tick = Math.min(10, barW / 2 + 2);
  buckets.forEach((b, i) => {
    if (b.max_score !== null) {
      svg.append(s("line", { class: "max", x1: x(i) - tick, x2: x(i) + tick, y1: yScore(b.max_score), y2: yScore(b.max_score) }));
    }
    if (b.mean_score !== null) svg.append(s("circle", { class: "dot", cx: x(i), cy: yScore(b.mean_score), r: 3.5 }));
  });

  const every = Math.max(1, Math.ceil(n / 8));
  buckets.forEach((b, i) => {
    if (i % every) return;
    svg.append(s("text", { x: x(i), y: H - PAD.bottom + 16, "text-anchor": "middle" }, label(new Date(b.start), series.bucket_seconds)));
  });
  svg.append(s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: yScore(0), y2: yScore(0) }));

  const legend = [["legend-mean", "mean score"], ["legend-max", "max score (dashed)"], ["legend-count", "articles"]];
  legend.forEach(([cls, text], i) => {
    const lx = PAD.left + i * 170;
    svg.append(s("rect", { class: cls, x: lx, y: H - 14, width: 12, height: 8 }));
    svg.append(s("text", { x: lx + 18, y: H - 6 }, text));
  });

  container.replaceChildren(svg);
}
