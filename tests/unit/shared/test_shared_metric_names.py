"""Every metric the services export follows the Prometheus naming conventions, read from /metrics.

Why scrape rather than inspect the objects: the exposition is what Prometheus and the operators'
alert rules (docs/operations.md) see. The ops router is mounted in a bare app and called in-process;
importing each service's app module registers all of its metrics, as in the running service.
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

import newswatch_alert.app
import newswatch_enrich.app
import newswatch_ingest.app
from newswatch_shared import metrics
from newswatch_shared.ops import ops_router

NAME = re.compile(r"^newswatch_[a-z][a-z0-9_]*[a-z0-9]$")
UNITS = ("_seconds", "_bytes", "_messages", "_ratio")
#: Words that mean a measured quantity: such a metric must say its unit.
MEASURED = re.compile(r"(latency|duration|time|age|lag|size|delay)")


async def _ready() -> dict[str, bool]:
    return {}


async def scrape() -> dict[str, tuple[str, str]]:
    """name → (type, help) of every newswatch metric family on /metrics."""
    assert newswatch_alert.app and newswatch_enrich.app and newswatch_ingest.app  # registered on import
    app = FastAPI()
    app.include_router(ops_router("test", _ready))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        text = (await client.get("/metrics")).text
    helps = dict(re.findall(r"^# HELP (\S+) (.*)$", text, re.M))
    families = {}
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        if name.startswith("newswatch_"):
            families[name] = (kind, helps.get(name, ""))
    return families


async def test_metric_names_follow_the_conventions() -> None:
    families = await scrape()
    counters = {n for n, (k, _) in families.items() if k == "counter"}
    histograms = {n for n, (k, _) in families.items() if k == "histogram"}
    problems = []
    for name, (kind, help_text) in families.items():
        if name.endswith("_created") and (
            name[: -len("_created")] + "_total" in counters or name[: -len("_created")] in histograms
        ):
            continue  # prometheus_client's creation-time series of a counter or histogram
        if not NAME.match(name):
            problems.append(f"{name}: not newswatch_snake_case")
        if not help_text.strip():
            problems.append(f"{name}: no help text")
        if kind == "counter" and not name.endswith("_total"):
            problems.append(f"{name}: a counter must end in _total")
        if kind != "counter" and name.endswith("_total"):
            problems.append(f"{name}: only counters end in _total")
        if kind == "histogram" and not name.endswith(UNITS):
            problems.append(f"{name}: a histogram must name its unit")
        if kind != "counter" and MEASURED.search(name) and not name.endswith(UNITS):
            problems.append(f"{name}: measures something, so its name ends in a unit")
    assert not problems, problems


async def test_operations_metrics_exist() -> None:
    """The ones docs/operations.md builds alerts on: lag, throughput, failures, latency, deliveries."""
    families = await scrape()
    wanted = {
        "newswatch_consumer_lag_messages": "gauge",
        "newswatch_messages_processed_total": "counter",
        "newswatch_messages_dead_lettered_total": "counter",
        "newswatch_batch_retries_total": "counter",
        "newswatch_batch_processing_seconds": "histogram",
        "newswatch_message_age_seconds": "histogram",
        "newswatch_alert_deliveries_total": "counter",
        "newswatch_alert_delivery_latency_seconds": "histogram",
        "newswatch_ingest_polls_total": "counter",
    }
    assert {n: families.get(n, ("missing",))[0] for n in wanted} == wanted
    assert metrics.CONSUMER_LAG._labelnames == ("service", "topic", "partition")
