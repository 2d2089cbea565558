"""The README's quick-start walk, run as written against the stack `make run` starts: a newcomer who
follows it ends with an alert printed by `newswatch receive` (the demo feed keeps publishing).

The commands are read from README.md, not copied here, so the walk cannot drift from what the test
runs. Only the ports change (the suite runs on free ports) and `TOKEN=...` gets the real token.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newswatch_cli.demo.articles import DEMO_ARTICLES
from newswatch_cli.demo.live import POOL
from newswatch_cli.embedded import free_port
from newswatch_cli.stack import Stack, StackConfig
from tests.helpers.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(400)]

README = Path(__file__).resolve().parents[2] / "README.md"
FIXED_TITLES = {a.title for a in DEMO_ARTICLES}


def walk_blocks() -> list[str]:
    """The shell blocks of the README's "Try it with curl" section, in order."""
    text = README.read_text()
    section = text[text.index("### Try it with curl") :]
    section = section[: section.index("\n## ")]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@pytest.fixture
def stack(tmp_path: Path, redis_url: str) -> Iterator[Stack]:
    lines: list[str] = []
    s = Stack(
        StackConfig(
            data_dir=tmp_path / "stack",
            admin_token=secrets.token_urlsafe(24),
            redis_url=redis_url,
            ports={name: free_port() for name in ("alert", "ingest", "enrich")},
            partitions=3,
            colour=False,
        ),
        out=lines.append,
    )
    s.start()
    try:
        yield s
    finally:
        s.stop()
        print("\n".join(lines[-200:]))


def test_the_readme_walk_ends_with_an_alert_at_the_receiver(stack: Stack, tmp_path: Path) -> None:
    receiver_block, walk, *_ = walk_blocks()
    port = free_port()
    alert, ingest = stack.url("alert"), stack.url("ingest")

    def as_here(script: str) -> str:
        return (
            script.replace("localhost:8000", alert.removeprefix("http://"))
            .replace("localhost:8001", ingest.removeprefix("http://"))
            .replace("127.0.0.1:9000", f"127.0.0.1:{port}")
            .replace("--port 9000", f"--port {port}")
            .replace(".venv/bin/newswatch", str(Path(sys.executable).with_name("newswatch")))
        )

    # A newcomer reads the banner, opens the dashboard, then starts the walk: by then the six fixed demo
    # articles have been matched (against no watchlist), so an alert must come from a later one.
    def fixed_demo_listed() -> bool:
        articles = httpx.get(f"{alert}/articles", params={"limit": 50}, timeout=5).json()["articles"]
        return len({a["title"] for a in articles} & FIXED_TITLES) == len(FIXED_TITLES)

    wait_for(fixed_demo_listed, timeout_s=90, what="the six fixed demo articles")
    printed = tmp_path / "receiver.out"
    with printed.open("wb") as out:
        receiver = subprocess.Popen(as_here(receiver_block).split(), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "listening on" in printed.read_text(), timeout_s=20, what="the receiver")
        script = re.sub(r"^TOKEN=\.\.\..*$", f"TOKEN={stack.config.admin_token}", as_here(walk), flags=re.M)
        assert "TOKEN=..." not in script
        script += '\necho "KEY=$KEY"\n'  # for the checks below, not part of the walk
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert '"name":"Ukraine troops"' in done.stdout  # the watchlist was created
        made = time.monotonic()

        line = wait_for(
            lambda: next(
                (x for x in printed.read_text().splitlines() if "alert for watchlist 'Ukraine troops'" in x),
                None,
            ),
            timeout_s=180,
            what="an alert printed by the receiver",
        )
        print(f"\nfirst alert at the receiver {time.monotonic() - made:.0f} s after the watchlist: {line}")
        matched = line.rsplit("matched ", 1)[1]
        assert "Ukraine" in matched and "troops" in matched
        assert any(title in line for _, title, _ in POOL), "the alert is about a live demo article"
    finally:
        receiver.terminate()
        receiver.wait(10)

    # What the walk's /alerts command shows, once the delivery is recorded: the alert, delivered.
    key = done.stdout.rsplit("KEY=", 1)[1].strip()

    def delivered() -> list[dict[str, object]] | None:
        alerts = httpx.get(f"{alert}/alerts", headers={"Authorization": f"Bearer {key}"}, timeout=5).json()
        done_ = [a for a in alerts["alerts"] if all(d["status"] == "delivered" for d in a["deliveries"])]
        return done_ or None

    assert wait_for(delivered, timeout_s=30, what="the alert recorded as delivered")
