"""One bench/enrich worker process, driven by run.py over stdin/stdout (one JSON object per line).

Two modes, so both sides of the comparison run in processes of the same kind. A process lives for the
whole benchmark and takes one ``go`` per round, so model loading and group joins happen once.

``service`` — the enrich service's consume path, built by the service's own code (``build_enricher``,
``make_consumer``/``make_producer`` with the service's group id, ``make_consume_loop``): it consumes
``articles.raw`` and publishes ``articles.enriched`` exactly as ``newswatch-enrich`` does, minus the
HTTP server (idle in the service, so it costs nothing there either). Until the first ``go`` it reports
every change of its partition assignment (``{"event": "assigned", "partitions": [...]}``), so run.py
can start the clock once the whole group has joined. ``go`` runs the consume loop, ``pause`` stops it
(the consumer stays in the group) and answers ``{"event": "paused", "cpu_s": ...}``.

``raw`` — the same pipeline (``build_enricher(settings).nlp``: same model, same components, same
``nlp.pipe`` batch size) over texts generated here with the same generator and indices; each ``go``
pipes them once and answers ``{"event": "done", "seconds": ..., "cpu_s": ...}``.

``cpu_s`` is the CPU time the process used in the round (all threads), a figure that other work on a
shared machine disturbs much less than the wall clock. Any other command, or the end of input, ends
the process. Settings come from ``NEWSWATCH_*`` variables, as for the service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import make_articles  # noqa: E402

from newswatch_enrich.app import GROUP_ID, SERVICE, build_enricher, make_consume_loop  # noqa: E402
from newswatch_enrich.enricher import Enricher  # noqa: E402
from newswatch_enrich.settings import EnrichSettings  # noqa: E402
from newswatch_shared.kafka import make_consumer, make_producer  # noqa: E402
from newswatch_shared.schemas import encode  # noqa: E402
from newswatch_shared.topics import ARTICLES_RAW  # noqa: E402

WARMUP_SEED = 99  # warm-up articles differ from the measured ones


def say(**event: Any) -> None:
    print(json.dumps(event), flush=True)


async def read_command() -> str:
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


def warm_up(enricher: Enricher) -> None:
    """First calls allocate and fill caches; keep that out of the measured time on both sides."""
    for enriched in enricher.enrich(make_articles(8, seed=WARMUP_SEED)):
        encode(enriched)


async def run_service(settings: EnrichSettings, enricher: Enricher) -> None:
    cfg = settings.kafka(SERVICE)
    consumer = make_consumer(cfg, [ARTICLES_RAW], GROUP_ID)
    producer = make_producer(cfg)
    await consumer.start()
    await producer.start()
    loop = make_consume_loop(settings, enricher, consumer, producer)
    command = asyncio.create_task(read_command())
    reported: list[int] | None = None
    while not command.done():
        partitions = sorted(tp.partition for tp in consumer.assignment())
        if partitions != reported:
            say(event="assigned", partitions=partitions)
            reported = partitions
        await asyncio.wait({command}, timeout=0.05)
    while command.result() == "go":
        stop, cpu = asyncio.Event(), time.process_time()
        task = asyncio.create_task(loop.run(stop))
        await read_command()  # "pause", or the end of input
        stop.set()
        await task
        say(event="paused", cpu_s=time.process_time() - cpu, batches=loop.batches_done)
        command = asyncio.create_task(read_command())
        await command
    await consumer.stop()
    await producer.stop()


def run_raw(enricher: Enricher, first: int, count: int, words: int, seed: int) -> None:
    articles = make_articles(first + count, words=words, seed=seed)[first:]
    texts = [a.text[: enricher.max_chars] for a in articles]
    say(event="ready")
    while sys.stdin.readline().strip() == "go":
        started, cpu = time.perf_counter(), time.process_time()
        for _ in enricher.nlp.pipe(texts, batch_size=enricher.batch_size):
            pass
        say(event="done", seconds=time.perf_counter() - started, cpu_s=time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["service", "raw"])
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    settings = EnrichSettings()
    enricher = build_enricher(settings)
    warm_up(enricher)
    if args.mode == "raw":
        run_raw(enricher, args.first, args.count, args.words, args.seed)
    else:
        asyncio.run(run_service(settings, enricher))


if __name__ == "__main__":
    main()
