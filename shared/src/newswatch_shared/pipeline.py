"""The consume → process → produce loop every consuming service runs.

Order of events for one batch, and why:

1. poll up to ``batch_size`` records;
2. decode each into the input schema; a record that does not validate goes to the dead-letter topic
   with the error in its headers (it can never succeed, so it must not block the partition);
3. hand the valid messages to the handler as one batch (enrich runs ``nlp.pipe`` over it);
   - :class:`RetryableError` (Redis or Kafka briefly away): wait and retry the same batch;
   - any other exception: retry message by message, so one poisonous message is dead-lettered alone;
4. produce the handler's output and wait for the broker's acknowledgements. An output the broker
   would refuse for good (larger than ``max_message_bytes``, or refused as too large) is never
   retried: that is a :class:`RefusedError`, and its input is dead-lettered like a poisonous one. Only
   failures that can pass (a broker away, a leader moving) are retried;
5. only then commit the batch's offsets.

A crash or shutdown anywhere before step 5 means the batch is consumed again: at-least-once. The
handler's effects are keyed by stable ids so a repeat changes nothing. On stop, in-flight work is
abandoned without committing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pydantic import BaseModel
from redis.exceptions import OutOfMemoryError

from newswatch_shared import metrics
from newswatch_shared.errors import RefusedError, RetryableError, SchemaError
from newswatch_shared.kafka import REFUSED
from newswatch_shared.schemas import decode, encode
from newswatch_shared.topics import ARTICLES_ENRICHED, ARTICLES_RAW, DEAD_LETTER

__all__ = ["ConsumeLoop", "Outgoing"]

log = logging.getLogger(__name__)

In = TypeVar("In", bound=BaseModel)

#: What a dead-letter record carries of an original too large to forward whole.
_DEAD_LETTER_KEEP_BYTES = 64 * 1024


def _ids(record: ConsumerRecord) -> dict[str, str]:
    """Log fields naming a record: its topic and partition, and the article id its key is on article
    topics, so an operator can follow one article through every service's logs."""
    ids = {"topic": record.topic, "partition": str(record.partition)}
    if record.topic.endswith((ARTICLES_RAW, ARTICLES_ENRICHED)) and record.key:
        ids["article_id"] = record.key.decode("utf-8", "replace")
    return ids


def _log_retry(error: RetryableError, what: str) -> None:
    """A retry is a warning, except when Redis is out of memory: that does not pass by itself, so it
    is an error that says what to do (the work waits in Kafka meanwhile; nothing is lost)."""
    if isinstance(error.__cause__, OutOfMemoryError):
        log.error(
            "Redis is out of memory (maxmemory reached and nothing it may evict); retrying %s until it "
            "has room: raise its maxmemory, or lower the retention settings: %s",
            what,
            error,
        )
    else:
        log.warning("transient failure, retrying %s: %s", what, error)


@dataclass(frozen=True)
class Outgoing:
    """One message the handler wants produced."""

    topic: str
    key: str
    value: BaseModel
    headers: tuple[tuple[str, bytes], ...] = ()


Handler = Callable[[Sequence[In]], Awaitable[Sequence[Outgoing]]]


@dataclass
class ConsumeLoop(Generic[In]):
    """Runs one consumer group member until ``stop`` is set or the task is cancelled."""

    service: str
    consumer: AIOKafkaConsumer
    producer: AIOKafkaProducer
    input_model: type[In]
    handler: Handler[In]
    batch_size: int = 64
    poll_timeout_ms: int = 500
    retry_delay_s: float = 1.0
    dead_letter_topic: str = DEAD_LETTER
    max_message_bytes: int = 1_000_000
    #: The deployment's topic prefix (``KafkaConfig.topic_prefix``), put before every topic produced to.
    topic_prefix: str = ""
    batches_done: int = field(default=0, init=False)
    _lag_labels: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batch = await self.consumer.getmany(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
            records = [r for rs in batch.values() for r in rs]
            await self._report_lag()
            if not records:
                continue
            started = time.perf_counter()
            try:
                await self._handle(records, stop)
            except Exception:
                # Something outside the handler failed (e.g. the dead-letter produce). Rewind so the
                # batch is read again: committing later offsets would silently skip it.
                log.exception("batch failed; rewinding to retry it")
                self._rewind(records)
                await asyncio.sleep(self.retry_delay_s)
                continue
            if stop.is_set():
                return  # abandoned mid-batch: do not commit what may be unfinished
            await self._commit(records)
            metrics.BATCH_SECONDS.labels(self.service).observe(time.perf_counter() - started)
            now_ms = time.time() * 1000
            for r in records:
                if r.timestamp is not None and r.timestamp > 0:
                    age_s = max(0.0, (now_ms - r.timestamp) / 1000)
                    metrics.MESSAGE_AGE.labels(self.service, r.topic).observe(age_s)
            self.batches_done += 1

    async def _report_lag(self) -> None:
        """Set the lag gauge of every partition this member holds; drop the ones it no longer holds.

        Lag is the broker's high watermark (known after the first fetch of a partition) minus the
        position the consumer reads next, so it falls to 0 once a partition is caught up. A replica
        reports only its own partitions, so summing over replicas never counts one twice.
        """
        reported: set[tuple[str, str]] = set()
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue
            try:
                position = await self.consumer.position(tp)
            except IllegalStateError:  # revoked by a rebalance since assignment() was read
                continue
            labels = (tp.topic, str(tp.partition))
            metrics.CONSUMER_LAG.labels(self.service, *labels).set(max(0, highwater - position))
            reported.add(labels)
        for labels in self._lag_labels - reported:
            metrics.CONSUMER_LAG.remove(self.service, *labels)
        self._lag_labels = reported

    async def _handle(self, records: list[ConsumerRecord], stop: asyncio.Event) -> None:
        valid: list[tuple[ConsumerRecord, In]] = []
        for record in records:
            try:
                valid.append((record, decode(self.input_model, record.value)))
            except SchemaError as e:
                await self._dead_letter(record, "schema", str(e))
        if not valid:
            return
        while not stop.is_set():
            try:
                outgoing = await self.handler([m for _, m in valid])
                await self._produce(outgoing)
                break
            except RetryableError as e:
                metrics.RETRIES.labels(self.service).inc()
                _log_retry(e, f"batch of {len(valid)}")
                await asyncio.sleep(self.retry_delay_s)
            except Exception:
                log.exception("batch of %d failed; retrying one by one", len(valid))
                await self._handle_singly(valid, stop)
                break
        for record, _ in valid:
            metrics.PROCESSED.labels(self.service, record.topic).inc()

    async def _handle_singly(self, valid: list[tuple[ConsumerRecord, In]], stop: asyncio.Event) -> None:
        for record, message in valid:
            while not stop.is_set():
                try:
                    await self._produce(await self.handler([message]))
                    break
                except RetryableError as e:
                    metrics.RETRIES.labels(self.service).inc()
                    _log_retry(e, repr(record.key))
                    await asyncio.sleep(self.retry_delay_s)
                except RefusedError as e:
                    log.error(
                        "output of %r refused; dead-lettering the input", record.key, extra=_ids(record)
                    )
                    await self._dead_letter(record, "refused", str(e))
                    break
                except Exception as e:
                    log.exception("message %r failed; dead-lettering it", record.key, extra=_ids(record))
                    await self._dead_letter(record, "handler", f"{type(e).__name__}: {e}")
                    break

    async def _produce(self, outgoing: Sequence[Outgoing]) -> None:
        # Encode and measure everything first: a refused message must not leave half a batch sent.
        encoded = [encode(o.value) for o in outgoing]
        for o, value in zip(outgoing, encoded, strict=True):
            if len(value) > self.max_message_bytes:
                raise RefusedError(
                    f"the {o.topic} message {o.key!r} is {len(value):,} bytes encoded, over the "
                    f"{self.max_message_bytes:,}-byte limit (NEWSWATCH_KAFKA_MAX_MESSAGE_BYTES)"
                )
        try:
            futures = [
                await self.producer.send(
                    self.topic_prefix + o.topic, value, key=o.key.encode("utf-8"), headers=list(o.headers)
                )
                for o, value in zip(outgoing, encoded, strict=True)
            ]
            await asyncio.gather(*futures)
        except REFUSED as e:
            raise RefusedError(f"the broker refused the message: {type(e).__name__}: {e}") from e
        except KafkaError as e:
            raise RetryableError(f"produce failed: {e}") from e
        for o in outgoing:
            metrics.PRODUCED.labels(self.service, self.topic_prefix + o.topic).inc()

    async def _dead_letter(self, record: ConsumerRecord, reason: str, error: str) -> None:
        metrics.DEAD_LETTERED.labels(self.service, record.topic, reason).inc()
        log.error(
            "dead-lettering %s[%d]@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            error,
            extra={"reason": reason, **_ids(record)},
        )
        headers = [
            ("error", error[:4000].encode("utf-8")),
            ("reason", reason.encode()),
            ("service", self.service.encode()),
            ("source_topic", record.topic.encode()),
            ("source_partition", str(record.partition).encode()),
            ("source_offset", str(record.offset).encode()),
        ]
        value = record.value or b""
        topic = self.topic_prefix + self.dead_letter_topic
        try:
            await (await self.producer.send(topic, value, key=record.key, headers=headers))
        except REFUSED:
            # The original is larger than the broker now takes (its limit was lowered, or the record
            # came from a producer with a larger one): keep its start and say so, rather than stall.
            headers += [("truncated", b"true"), ("original_bytes", str(len(value)).encode())]
            kept = value[:_DEAD_LETTER_KEEP_BYTES]
            await (await self.producer.send(topic, kept, key=record.key, headers=headers))

    def _rewind(self, records: list[ConsumerRecord]) -> None:
        first: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            first[tp] = min(first.get(tp, r.offset), r.offset)
        for tp, offset in first.items():
            if tp in self.consumer.assignment():
                self.consumer.seek(tp, offset)

    async def _commit(self, records: list[ConsumerRecord]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
        try:
            await self.consumer.commit(offsets)
        except CommitFailedError as e:
            # The group rebalanced while we worked: another member will redo this batch. Harmless,
            # because every effect is idempotent.
            log.warning("commit failed after rebalance; batch will be redelivered: %s", e)
