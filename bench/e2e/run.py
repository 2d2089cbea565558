"""bench/e2e: how many articles one machine carries from feed to alert, and how fast.

    newswatch bench e2e [--quick] [--rates 4,8,16] [--step-s 120] [--plot FILE.png] [--out FILE.json]
                        [--no-scaleout] [--no-burst] [--no-push]

The whole system on this machine: the `make run` stack with each role its own process as in compose
(ingest, enrich, alert-api, alert-match, alert-deliver; embedded Tansu and Valkey), 10,000 watchlists
from bench/match's generator, a local server publishing new items into 50 feeds at a chosen rate, and
one probe watchlist matching every item with a webhook to a local receiver (``farm.py``).

For each rate, held for ``--step-s`` seconds, it reports: articles per second through enrich; the
time from an item's appearance in its feed to its alert at the receiver (p50/p95/p99), split into
the polling wait (appearance → the poll that first served it) and the pipeline (that poll → alert);
consumer lag per group (peak); each process's memory (peak RSS). A rate is *held* when at least
99.5 % of its items reached the receiver within 30 s of the step's end, enrich kept up (≥ 95 % of the
rate) and p99 pipeline latency stayed under 5 s. The search doubles the rate from the first of
``--rates`` until a rate is not held, then tries the midpoint; ``max_rate_per_s`` is the highest
held.

Then the same with two enrich and two match replicas (``scaleout_gain``: the ratio of the highest
held rates; every item must be on articles.enriched exactly once per group: duplicates and skips are
counted), and a crisis-day burst on one replica set: ten times an everyday rate for 60 s, then back
to it. The everyday rate is a quarter of the highest held rate (``--burst-base-share``): a system
that runs at its limit every day has no spare capacity, and ten times that rate never drains on the
same machine, so the figure would say nothing. ``burst_recovery_s`` is the time from the burst's end
until every item appearing afterwards reached the receiver within 5 s of its poll; the peak lag, the
time until the backlog was gone and the items never alerted (``lost``: waited for up to
``--settle-s`` after the backlog, late is not lost) are reported.

Last, on the first replica set, the polling wait taken away: the feeds start naming a WebSub hub
(tests/helpers/websub_hub.py, a real hub over HTTP) that each new item pings; once ingest has
subscribed to every feed, the first rate of ``--rates`` is held again. ``time_to_alert_polled_s`` and
``time_to_alert_websub_s`` are the item → alert latencies of the two steps at that rate.

The baseline of the same run is the pipeline's own latency floor: the p50 pipeline latency at the
lowest rate, where nothing queues. ``--quick`` (under 3 minutes) holds each rate 10 s, tries two rates
per configuration and bursts for 6 s: a smoke run of the whole harness, not figures to quote.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "match"))
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests' WebSub hub, as bench/polling uses it
    sys.path.insert(0, str(ROOT))

from farm import PROBE_WORD, FeedFarm, Item, Receiver  # noqa: E402
from system import System, running  # noqa: E402
from vocab import build_vocabulary  # noqa: E402

from tests.helpers.websub_hub import LocalHub  # noqa: E402

FEEDS = 50
WATCHLISTS = 10_000
GRACE_S = 30.0
P99_LIMIT_S = 5.0


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _summary(items: list[Item]) -> dict[str, Any]:
    done = [i for i in items if i.alerted is not None and i.fetched is not None]
    total = [i.alerted - i.appeared for i in done if i.alerted]
    polling = [i.fetched - i.appeared for i in done if i.fetched]
    pipeline = [i.alerted - i.fetched for i in done if i.alerted and i.fetched]
    return {
        "items": len(items),
        "alerted": len(done),
        "total_s": {"p50": _pct(total, 0.5), "p95": _pct(total, 0.95), "p99": _pct(total, 0.99)},
        "polling_wait_s": {"p50": _pct(polling, 0.5), "p95": _pct(polling, 0.95), "p99": _pct(polling, 0.99)},
        "pipeline_s": {"p50": _pct(pipeline, 0.5), "p95": _pct(pipeline, 0.95), "p99": _pct(pipeline, 0.99)},
    }


class Run:
    def __init__(self, system: System, farm: FeedFarm) -> None:
        self.system = system
        self.farm = farm
        self.peak_memory: dict[str, float] = {}

    def _sample(self, peak_lag: dict[str, int]) -> None:
        for name, mib in self.system.memory_mib().items():
            self.peak_memory[name] = max(self.peak_memory.get(name, 0.0), mib)
        try:
            for group, lag in self.system.lag().items():
                peak_lag[group] = max(peak_lag.get(group, 0), lag)
        except Exception:  # a probe that fails under load must not end the run
            pass

    def step(self, rate: float, seconds: float) -> dict[str, Any]:
        """Hold ``rate`` for ``seconds``; then wait for the step's items (up to GRACE_S)."""
        first = len(self.farm.items)
        enriched_before = self.system.end_offsets("articles.enriched")
        cpu_before = self.system.cpu_seconds()
        peak_lag: dict[str, int] = {}
        self.farm.set_rate(rate)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            self._sample(peak_lag)
            time.sleep(1.0)
        items = self.farm.items[first:]
        self.farm.set_rate(0)
        held_for = time.monotonic() - started
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline and any(i.alerted is None for i in items):
            self._sample(peak_lag)
            time.sleep(0.5)
        enriched = self.system.end_offsets("articles.enriched") - enriched_before
        cpu = self.system.cpu_seconds()
        spent = time.monotonic() - started
        cpu_share = {n: round((cpu[n] - cpu_before.get(n, 0.0)) / spent, 2) for n in cpu}
        summary = _summary(items)
        pipeline_p99 = summary["pipeline_s"]["p99"]
        complete = summary["alerted"] >= 0.995 * len(items)
        held = bool(items) and complete and pipeline_p99 is not None and pipeline_p99 < P99_LIMIT_S
        result = {
            "rate_per_s": rate,
            "held_s": round(held_for, 1),
            "enriched_per_s": round(enriched / held_for, 2) if held_for else 0.0,
            "peak_lag": peak_lag,
            "cpu_cores": cpu_share,
            "held": held,
            **summary,
        }
        print(json.dumps(result), file=sys.stderr, flush=True)
        self._drain()
        return result

    def _drain(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if sum(self.system.lag().values()) == 0:
                    return
            except Exception:
                pass
            time.sleep(1.0)

    def search(self, start: float, seconds: float, max_steps: int) -> tuple[float, list[dict[str, Any]]]:
        steps: list[dict[str, Any]] = []
        rate, best, failed = start, 0.0, None
        while len(steps) < max_steps:
            result = self.step(rate, seconds)
            steps.append(result)
            if result["held"]:
                best = rate
                rate = rate * 2 if failed is None else (rate + failed) / 2
            else:
                failed = rate
                rate = (best + failed) / 2 if best else rate / 2
            if failed is not None and best and failed - best <= max(1.0, 0.15 * best):
                break
        return best, steps

    def burst(self, base: float, seconds: float, settle_s: float) -> dict[str, Any]:
        """10 × ``base`` for ``seconds``, then ``base`` again; when is latency back under 5 s?"""
        peak_lag: dict[str, int] = {}
        first = len(self.farm.items)
        self.farm.set_rate(base * 10)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            self._sample(peak_lag)
            time.sleep(1.0)
        ended_wall = time.time()
        ended = time.monotonic()
        self.farm.set_rate(base)
        # Keep publishing at the base rate until the backlog is gone (then 20 s more, so that items
        # appearing after it show the latency settled), or at most ``settle_s``.
        settle_end = ended + settle_s
        drained_at: float | None = None
        while time.monotonic() < settle_end:
            self._sample(peak_lag)
            try:
                backlog = sum(self.system.lag().values())
            except Exception:
                backlog = -1
            if 0 <= backlog <= 2 * base and drained_at is None:
                drained_at = time.monotonic()
            if drained_at is not None and time.monotonic() - drained_at > 20:
                break
            time.sleep(1.0)
        self.farm.set_rate(0)
        # Late is not lost: wait for every item of the burst and after it (at most ``settle_s`` more).
        items = self.farm.items[first:]
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline and any(i.alerted is None for i in items):
            self._sample(peak_lag)
            time.sleep(1.0)
        after = [i for i in items if i.appeared >= ended_wall]
        # The first moment after which every item's pipeline latency was under the limit.
        recovered_at = ended_wall
        for item in after:
            slow = item.alerted is None or item.fetched is None or item.alerted - item.fetched >= P99_LIMIT_S
            if slow:
                recovered_at = item.appeared
        recovery = (
            None if after and recovered_at >= after[-1].appeared else round(recovered_at - ended_wall, 1)
        )
        self._drain()
        return {
            "base_rate_per_s": base,
            "burst_rate_per_s": base * 10,
            "burst_s": seconds,
            "burst_items": sum(1 for i in items if i.appeared < ended_wall),
            "peak_lag": peak_lag,
            "backlog_gone_s": round(drained_at - ended, 1) if drained_at is not None else None,
            "burst_recovery_s": recovery,
            "lost": sum(1 for i in items if i.alerted is None),
            **_summary(items),
        }


def push_step(run: Run, rate: float, seconds: float) -> dict[str, Any]:
    """The same rate again with the feeds naming a WebSub hub that each new item pings: the time to
    alert without the polling wait. Ingest finds the hub on its next poll of each feed and subscribes;
    the step starts once every feed's subscription is verified."""
    with LocalHub() as hub:
        run.farm.advertise_hub(hub.url, hub.publish)
        began = time.monotonic()
        feeds = [run.farm.url(f) for f in range(run.farm.feeds)]
        while time.monotonic() - began < 120 and not all(hub.subscribers(url) for url in feeds):
            time.sleep(0.5)
        subscribed = sum(1 for url in feeds if hub.subscribers(url))
        waited = round(time.monotonic() - began, 1)
        result = run.step(rate, seconds)
        run.farm.advertise_hub(None, None)
    return {
        "subscribed_feeds": subscribed,
        "subscribed_after_s": waited,
        "hub_errors": run.farm.ping_errors,
        **result,
    }


def configuration(
    replicas: dict[str, int], args: argparse.Namespace, vocab: Any, burst: bool
) -> dict[str, Any]:
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nw-e2e-") as tmp:
        with running(Path(tmp), replicas, args.poll_s, log) as system:
            redis_before = system.redis_used_bytes()
            loaded = system.load_watchlists(vocab, WATCHLISTS)
            farm = FeedFarm(FEEDS, vocab.words, [p.canonical for p in vocab.entities[:400]] + vocab.countries)
            farm.start()
            receiver = Receiver(farm)
            try:
                system.probe_watchlist(receiver.url, PROBE_WORD)
                system.add_feeds([farm.url(f) for f in range(FEEDS)])
                time.sleep(max(3.0, args.poll_s + 1))  # the first polls of the empty feeds, the index built
                run = Run(system, farm)
                run.step(args.warmup_rate, args.warmup_s)  # spaCy and the index warm, numbers discarded
                best, steps = run.search(args.rates[0], args.step_s, args.max_steps)
                result: dict[str, Any] = {
                    "replicas": replicas or {"all": 1},
                    "watchlists": loaded,
                    "max_rate_per_s": best,
                    "steps": steps,
                }
                if burst and best and not args.no_burst:
                    base = max(1.0, round(best * args.burst_base_share, 1))
                    result["burst"] = run.burst(base, args.burst_s, args.settle_s)
                if burst and not args.no_push:
                    result["push"] = push_step(run, args.rates[0], args.step_s)
                ids = system.enriched_ids()
                published = {i.link for i in farm.items}
                result["enriched_duplicates"] = len(ids) - len(set(ids))
                result["enriched_missing"] = len(published - set(ids))
                result["peak_memory_mib"] = run.peak_memory
                result["redis_used_mib"] = round(system.redis_used_bytes() / 2**20, 1)
                result["redis_before_mib"] = round(redis_before / 2**20, 1)
                result["repeated_deliveries"] = sum(n - 1 for n in receiver.keys.values())
                return result
            finally:
                receiver.stop()
                farm.stop()


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for config in results:
        steps = sorted(config["steps"], key=lambda s: s["rate_per_s"])
        label = "1 of each" if config["replicas"] == {"all": 1} else "2 enrich + 2 match"
        rates = [s["rate_per_s"] for s in steps if s["pipeline_s"]["p99"] is not None]
        ax.plot(
            rates,
            [s["pipeline_s"]["p99"] for s in steps if s["pipeline_s"]["p99"] is not None],
            "o-",
            label=f"{label}: pipeline p99",
        )
        ax.plot(
            rates,
            [s["pipeline_s"]["p50"] for s in steps if s["pipeline_s"]["p50"] is not None],
            "x--",
            label=f"{label}: pipeline p50",
        )
    ax.axhline(P99_LIMIT_S, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("articles per second published into the feeds")
    ax.set_ylabel("seconds from poll to alert at the receiver")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("newswatch end to end on one 2-core machine")
    fig.tight_layout()
    fig.savefig(path)


def _push_figures(one: dict[str, Any]) -> dict[str, Any]:
    """Time to alert (appeared → alert) polled and pushed, at the same rate in the same run."""
    push = one.get("push")
    polled = next((s for s in one["steps"] if push and s["rate_per_s"] == push["rate_per_s"]), None)
    if not push or not polled:
        return {}
    return {
        "websub_rate_per_s": push["rate_per_s"],
        "time_to_alert_polled_s": polled["total_s"],
        "time_to_alert_websub_s": push["total_s"],
        "websub_subscribed_feeds": push["subscribed_feeds"],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Under 3 minutes: 20 s steps, two rates each.")
    parser.add_argument("--rates", default="4", help="Rate to start the search at (articles/s).")
    parser.add_argument("--step-s", type=float, default=120.0, help="How long each rate is held.")
    parser.add_argument("--max-steps", type=int, default=6)
    parser.add_argument("--poll-s", type=float, default=5.0, help="Feed poll interval (ingest).")
    parser.add_argument("--burst-s", type=float, default=60.0)
    parser.add_argument(
        "--burst-base-share",
        type=float,
        default=0.25,
        help="Everyday rate as a share of the highest held rate; the burst is ten times it.",
    )
    parser.add_argument("--settle-s", type=float, default=600.0, help="Longest wait for the backlog to go.")
    parser.add_argument("--no-scaleout", action="store_true")
    parser.add_argument("--no-push", action="store_true", help="Skip the WebSub step.")
    parser.add_argument("--no-burst", action="store_true", help="Skip the burst.")
    parser.add_argument("--plot", type=Path, help="Write latency against rate as a PNG.")
    parser.add_argument("--out", type=Path, help="Write every step's figures as JSON.")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in str(args.rates).split(",")]
    args.warmup_rate, args.warmup_s = 2.0, 10.0
    if args.quick:
        args.step_s, args.max_steps, args.burst_s, args.settle_s = 10.0, 2, 6.0, 40.0
        args.warmup_s = 3.0
    vocab = build_vocabulary()
    started = time.monotonic()
    results = [configuration({}, args, vocab, burst=True)]
    if not args.no_scaleout:
        results.append(configuration({"enrich": 2, "alert-match": 2}, args, vocab, burst=False))
    one = results[0]
    at_max = next((s for s in one["steps"] if s["rate_per_s"] == one["max_rate_per_s"]), None)
    lowest = min(one["steps"], key=lambda s: s["rate_per_s"])
    figures: dict[str, Any] = {
        "max_rate_per_s": one["max_rate_per_s"],
        "p99_latency_s_at_max": at_max["pipeline_s"]["p99"] if at_max else None,
        "p99_total_latency_s_at_max": at_max["total_s"]["p99"] if at_max else None,
        "polling_wait_p50_s_at_max": at_max["polling_wait_s"]["p50"] if at_max else None,
        "scaleout_gain": (
            round(results[1]["max_rate_per_s"] / one["max_rate_per_s"], 2)
            if len(results) > 1 and one["max_rate_per_s"]
            else None
        ),
        "burst_recovery_s": one.get("burst", {}).get("burst_recovery_s"),
        "burst_rate_per_s": one.get("burst", {}).get("burst_rate_per_s"),
        "burst_peak_lag": one.get("burst", {}).get("peak_lag"),
        "burst_lost": one.get("burst", {}).get("lost"),
        "baseline_pipeline_p50_s": lowest["pipeline_s"]["p50"],
        **_push_figures(one),
        "enriched_duplicates": [r["enriched_duplicates"] for r in results],
        "enriched_missing": [r["enriched_missing"] for r in results],
        "peak_memory_mib": one["peak_memory_mib"],
        "quick": args.quick,
        "wall_s": round(time.monotonic() - started, 1),
    }
    if args.out:
        args.out.write_text(json.dumps({"figures": figures, "configurations": results}, indent=1))
    if args.plot:
        plot(results, args.plot)
    figures["step_summary"] = [
        {
            "replicas": r["replicas"],
            "steps": [(s["rate_per_s"], s["held"], s["pipeline_s"]["p99"]) for s in r["steps"]],
        }
        for r in results
    ]
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))
