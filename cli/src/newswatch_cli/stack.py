"""The whole system on one machine: broker, Redis, demo feed and the three services as processes.

`newswatch dev` (and so `make run`) and the end-to-end tests start the system through this one class,
so what the tests prove is what users run.

Shutdown order and why: services first (SIGTERM, so each finishes or abandons its batch without
committing and closes its Kafka clients), then the demo feed, then Redis (it writes its append-only
file on shutdown) and the broker last — the stores stop last, so no service loses them while it is
still stopping. Every child, stores included, runs in a session of its own: a Ctrl-C in the terminal
reaches only this process, which then stops them in that order. The kernel (PR_SET_PDEATHSIG) tells
them to stop if this process dies without cleaning up, so nothing is orphaned. A stop asked for
while the system is still starting (``cancelled``) is honoured at once, not after start-up.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from newswatch_cli.demo.server import DemoFeedServer
from newswatch_cli.embedded import EmbeddedBroker, EmbeddedRedis, die_with_parent, free_port

__all__ = ["ALERT_ROLE_PROCESSES", "SERVICES", "Cancelled", "Stack", "StackConfig"]

SERVICES = ("ingest", "enrich", "alert")
#: The processes when alert's roles run apart, as in compose: alert-api answers on the alert port.
ALERT_ROLE_PROCESSES = ("alert-api", "alert-match", "alert-deliver")
#: How often ingest polls the demo feed: a live demo article reaches watchlists within about a minute.
DEMO_POLL_S = 30
_COLOURS = itertools.cycle(("\033[36m", "\033[35m", "\033[33m", "\033[32m"))
_RESET = "\033[0m"


@dataclass
class StackConfig:
    data_dir: Path
    admin_token: str
    kafka_bootstrap: str | None = None  # None: start the embedded broker
    redis_url: str | None = None  # None: start the embedded Valkey
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: {"alert": 8000, "ingest": 8001, "enrich": 8002})
    kafka_port: int | None = None
    redis_port: int | None = None
    partitions: int = 6
    demo: bool = True
    demo_port: int | None = None  # None: a free port (tests); `newswatch dev` fixes it
    demo_live_every_s: float | None = 60.0  # a new live demo article this often; None: only the fixed six
    log_format: str = "text"
    colour: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    #: Run alert's roles (api, match, deliver) as three processes, as compose does, not as one.
    alert_roles_apart: bool = False
    #: More processes of one kind in its consumer group ("enrich": 2, "alert-match": 2); the extra ones
    #: are named "enrich#2", … and answer on free ports.
    replicas: dict[str, int] = field(default_factory=dict)

    @property
    def process_names(self) -> tuple[str, ...]:
        base = ("ingest", "enrich", *ALERT_ROLE_PROCESSES) if self.alert_roles_apart else SERVICES
        extra = [f"{name}#{n}" for name in base for n in range(2, self.replicas.get(name, 1) + 1)]
        return (*base, *extra)


class Cancelled(Exception):
    """A stop was asked for while the system was starting."""


class Stack:
    def __init__(self, config: StackConfig, out: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.out = out or (lambda line: print(line, flush=True))
        self.broker: EmbeddedBroker | None = None
        self.redis: EmbeddedRedis | None = None
        self.demo: DemoFeedServer | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports = dict(config.ports)
        if config.alert_roles_apart:
            self.ports["alert-api"] = config.ports["alert"]
            for name in ALERT_ROLE_PROCESSES[1:]:
                self.ports[name] = free_port(config.host)
        for name in config.process_names:
            if name not in self.ports:  # an extra replica
                self.ports[name] = free_port(config.host)
        self._pumps: list[threading.Thread] = []
        self._replaced: list[subprocess.Popen[bytes]] = []
        self.kafka_bootstrap = config.kafka_bootstrap or ""
        self.redis_url = config.redis_url or ""
        self._cancelled: Callable[[], bool] = lambda: False

    def url(self, service: str) -> str:
        return f"http://{self.config.host}:{self.ports[service]}"

    # -- start ---------------------------------------------------------------------------------------

    def start(self, ready_timeout_s: float = 90.0, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Start everything and wait until every service is ready; :class:`Cancelled` (with everything
        started so far stopped again) as soon as ``cancelled()`` says a stop was asked for."""
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self._cancelled = cancelled
        try:
            if not cfg.kafka_bootstrap:
                self.broker = EmbeddedBroker(
                    cfg.host, cfg.kafka_port or free_port(cfg.host), log_path=cfg.data_dir / "tansu.log"
                ).start()
                self.kafka_bootstrap = self.broker.bootstrap
                self._say("stack", f"Kafka-protocol broker (Tansu) on {self.kafka_bootstrap}")
            self._check_cancelled()
            if not cfg.redis_url:
                self.redis = EmbeddedRedis(cfg.data_dir / "valkey", cfg.host, cfg.redis_port).start()
                self.redis_url = self.redis.url
                self._say(
                    "stack",
                    f"Redis-protocol server (Valkey) on {self.redis_url}, data in {self.redis.data_dir}",
                )
            self._check_cancelled()
            if cfg.demo:
                self.demo = DemoFeedServer(
                    cfg.host, cfg.demo_port or 0, live_every_s=cfg.demo_live_every_s
                ).start()
                self._say("stack", f"demo feed at {self.demo.feed_url}")
            for name in cfg.process_names:
                self._spawn(name)
            self.wait_ready(ready_timeout_s)
            if self.demo is not None:
                self._register_demo(self.demo.feed_url)
        except BaseException:
            self.stop()
            raise

    def _env(self) -> dict[str, str]:
        cfg = self.config
        env = dict(os.environ)
        env.update(
            {
                "NEWSWATCH_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
                "NEWSWATCH_REDIS_URL": self.redis_url,
                "NEWSWATCH_ADMIN_TOKEN": cfg.admin_token,
                "NEWSWATCH_HOST": cfg.host,
                "NEWSWATCH_KAFKA_PARTITIONS": str(cfg.partitions),
                "NEWSWATCH_LOG_FORMAT": env.get("NEWSWATCH_LOG_FORMAT", cfg.log_format),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name, port in cfg.ports.items():
            env[f"NEWSWATCH_{name.upper()}_PORT"] = str(port)
        # The demo feed and the receivers people try first are on 127.0.0.1, which the services refuse
        # to reach by default (SSRF guard); a development stack allows it unless told otherwise.
        env.setdefault("NEWSWATCH_ALLOW_PRIVATE_URLS", "true")
        if "alert" in cfg.ports:  # e-mails link back to the api role (confirm an address, unsubscribe)
            host = "127.0.0.1" if cfg.host in ("0.0.0.0", "::", "") else cfg.host
            env.setdefault("NEWSWATCH_ALERT_PUBLIC_URL", f"http://{host}:{cfg.ports['alert']}")
        if "enrich" in cfg.ports:  # POST /watchlists/test analyses texts with the local enrich service
            env.setdefault("NEWSWATCH_ALERT_ENRICH_URL", f"http://127.0.0.1:{cfg.ports['enrich']}")
        if self.broker is not None:
            # The embedded Tansu build refuses the idempotent producer; consumers tolerate repeats.
            env["NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE"] = "false"
            # Tansu holds a joining group member for about half the session timeout: keep start-up quick.
            env.setdefault("NEWSWATCH_KAFKA_SESSION_TIMEOUT_MS", "6000")
            env.setdefault("NEWSWATCH_KAFKA_HEARTBEAT_INTERVAL_MS", "1000")
        env.update(cfg.extra_env)
        return env

    def _spawn(self, name: str) -> None:
        kind = name.partition("#")[0]
        service, _, role = kind.partition("-")
        exe = Path(sys.executable).with_name(f"newswatch-{service}")
        env = self._env()
        if role:  # one alert role in its own process
            env["NEWSWATCH_ALERT_ROLES"] = role
        if name != service:  # a role or a replica: its own port
            env[f"NEWSWATCH_{service.upper()}_PORT"] = str(self.ports[name])
        proc = subprocess.Popen(
            [str(exe)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
            preexec_fn=die_with_parent,  # runs in the child before exec
        )
        self.processes[name] = proc
        assert proc.stdout is not None
        pump = threading.Thread(target=self._pump, args=(name, proc.stdout), daemon=True)
        pump.start()
        self._pumps.append(pump)

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._say(name, raw.decode("utf-8", "replace").rstrip())

    def _say(self, name: str, line: str) -> None:
        if self.config.colour:
            colour = {
                "stack": "\033[1m",
                "ingest": "\033[36m",
                "enrich": "\033[35m",
                "alert": "\033[33m",
            }.get(name, next(_COLOURS))
            self.out(f"{colour}{name:>6} |{_RESET} {line}")
        else:
            self.out(f"{name:>6} | {line}")

    def _check_cancelled(self) -> None:
        if self._cancelled():
            raise Cancelled("stopped while starting")

    def wait_ready(self, timeout_s: float, names: tuple[str, ...] | None = None) -> None:
        deadline = time.monotonic() + timeout_s
        pending = set(names or self.config.process_names)
        with httpx.Client(timeout=2) as client:
            while pending:
                self._check_cancelled()
                for name in sorted(pending):
                    proc = self.processes[name]
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} exited with code {proc.returncode} during start-up")
                    try:
                        if client.get(self.url(name) + "/ready").status_code == 200:
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"not ready after {timeout_s:.0f}s: {', '.join(sorted(pending))}")
                if pending:
                    time.sleep(0.2)

    def _register_demo(self, url: str) -> None:
        """Register the demo feed (polled every 30 s, tagged ``demo``) and forget demo feeds of earlier
        runs at other addresses, which would only fail on every poll."""
        admin = {"Authorization": f"Bearer {self.config.admin_token}"}
        with httpx.Client(base_url=self.url("ingest"), headers=admin, timeout=10) as ingest:
            created = ingest.post("/feeds", json={"url": url, "interval_s": DEMO_POLL_S, "tags": ["demo"]})
            created.raise_for_status()
            ingest.patch(f"/feeds/{created.json()['id']}", json={"interval_s": DEMO_POLL_S, "tags": ["demo"]})
            for feed in ingest.get("/feeds").json():
                stale = "demo" in feed.get("tags", []) or feed.get("title") == "Demo Wire"
                if stale and feed["url"] != created.json()["url"]:
                    ingest.delete(f"/feeds/{feed['id']}")
                    self._say("stack", f"removed the demo feed of an earlier run: {feed['url']}")

    # -- faults (the fault tests kill and restart single processes) ---------------------------------

    def kill(self, name: str) -> None:
        """SIGKILL one process, as a crash or an OOM kill would: no shutdown code runs."""
        proc = self.processes[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self, name: str, ready_timeout_s: float = 90.0) -> None:
        """Start ``name`` again (after :meth:`kill` or an exit) and wait until it is ready."""
        old = self.processes[name]
        if old.poll() is None:
            raise RuntimeError(f"{name} is still running")
        self._replaced.append(old)  # its pipe is closed by stop(), after its pump has read to the end
        self._spawn(name)
        self.wait_ready(ready_timeout_s, (name,))

    # -- stop ----------------------------------------------------------------------------------------

    def stop(self, timeout_s: float = 7.0) -> None:
        """Stop everything we started; returns within about ``timeout_s`` + 2 s."""
        deadline = time.monotonic() + timeout_s
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.processes.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say("stack", f"{name} did not stop in time; killing it")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for pump in self._pumps:
            pump.join(timeout=1)
        for proc in [*self.processes.values(), *self._replaced]:
            if proc.stdout is not None:
                proc.stdout.close()
        if self.demo is not None:
            self.demo.stop()
            self.demo = None
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
