"""`newswatch dev`: run the whole system on this machine until Ctrl-C."""

from __future__ import annotations

import secrets
import signal
import threading
from pathlib import Path
from types import FrameType

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from newswatch_cli.stack import Cancelled, Stack, StackConfig

__all__ = ["DevSettings", "run_dev"]


class DevSettings(BaseSettings):
    """What `newswatch dev` reads from the environment (prefix ``NEWSWATCH_``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None, description="Use this Kafka instead of the embedded broker."
    )
    redis_url: str | None = Field(default=None, description="Use this Redis instead of the embedded Valkey.")
    admin_token: str | None = Field(
        default=None, description="Admin token; generated and printed when unset."
    )
    host: str = "127.0.0.1"
    alert_port: int = 8000
    ingest_port: int = 8001
    enrich_port: int = 8002
    kafka_partitions: int = 6
    dev_data_dir: Path = Field(default=Path(".newswatch"), description="Embedded Valkey data and broker log.")
    dev_kafka_port: int | None = Field(
        default=None, description="Port of the embedded broker (free one if unset)."
    )
    dev_redis_port: int | None = Field(
        default=None, description="Port of the embedded Valkey (free one if unset)."
    )
    dev_demo: bool = Field(default=True, description="Serve the demo feed and register it with ingest.")
    dev_demo_port: int = Field(
        default=8003,
        ge=1,
        le=65535,
        description="Port of the demo feed. Fixed, because its links (and so the demo articles' ids) "
        "contain it: a new port would publish the demo articles again.",
    )
    dev_demo_every_s: float = Field(
        default=60.0,
        ge=0,
        description="A new live demo article this often, so a watchlist made after start-up hears of one "
        "(0: only the six fixed demo articles).",
    )


def run_dev(settings: DevSettings, colour: bool = True) -> None:
    token = settings.admin_token or secrets.token_urlsafe(24)
    stack = Stack(
        StackConfig(
            data_dir=settings.dev_data_dir.resolve(),
            admin_token=token,
            kafka_bootstrap=settings.kafka_bootstrap,
            redis_url=settings.redis_url,
            host=settings.host,
            ports={
                "alert": settings.alert_port,
                "ingest": settings.ingest_port,
                "enrich": settings.enrich_port,
            },
            kafka_port=settings.dev_kafka_port,
            redis_port=settings.dev_redis_port,
            partitions=settings.kafka_partitions,
            demo=settings.dev_demo,
            demo_port=settings.dev_demo_port,
            demo_live_every_s=settings.dev_demo_every_s or None,
            colour=colour,
        )
    )
    stopping = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    try:
        stack.start(cancelled=stopping.is_set)
    except Cancelled:
        stack.out("stopped while starting.")
        return
    alert = stack.url("alert")
    banner = [
        "",
        "newswatch is running.",
        f"  dashboard     {alert}/",
        f"  articles      {alert}/articles",
        f"  API docs      {alert}/docs",
        f"  ingest        {stack.url('ingest')}/feeds",
        f"  enrich        {stack.url('enrich')}/health",
        f"  admin token   {token}"
        + ("" if settings.admin_token else "   (generated; set NEWSWATCH_ADMIN_TOKEN to fix it)"),
        f"  kafka         {stack.kafka_bootstrap}",
        f"  redis         {stack.redis_url}",
        "Press Ctrl-C to stop.",
        "",
    ]
    for line in banner:
        stack.out(line)
    while not stopping.wait(0.5):
        dead = [n for n, p in stack.processes.items() if p.poll() is not None]
        if dead:
            stack.out(f"{', '.join(dead)} exited; stopping everything")
            break
    stack.out("stopping...")
    stack.stop()
    stack.out("stopped.")
