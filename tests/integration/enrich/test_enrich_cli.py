"""`newswatch tag` prints what `POST /tag` on the running enrich service answers for the same text.

The service is the real app (uvicorn, real broker and Redis, see conftest); the command is the installed
`newswatch` script in its own process, once on a file and once on stdin, run concurrently so the two
pipeline loads overlap.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

NEWSWATCH = Path(sys.executable).parent / "newswatch"

# Written for this test: names the gazetteer knows, terms in several categories, a negation, two sentences.
TEXT = (
    "Officials in Kiev say Moscow has no plans to invade, yet more Russian soldiers keep arriving near "
    "Kharkiv.\nEU ministers are preparing sanctions, and Germany may shelve Nordstream 2 for good."
)


async def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        str(NEWSWATCH),
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _post(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post("/tag", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


GERMAN = "Russland zieht weitere Truppen an der Grenze zusammen."


async def test_tag_on_a_file_and_on_stdin_prints_what_post_tag_returns(
    enrich_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    api_plain = await _post(enrich_url, {"text": TEXT})
    api_british = await _post(enrich_url, {"text": TEXT, "language": "en-GB"})
    api_german = await _post(enrich_url, {"text": GERMAN, "language": "de"})

    runs = await asyncio.gather(
        _run("tag", str(path)),
        _run("tag", "--language", "en-GB", "--compact", stdin=TEXT.encode()),
        _run("tag", "--language", "de", stdin=GERMAN.encode()),
    )

    assert [code for code, _, _ in runs] == [0, 0, 0], [err for _, _, err in runs]
    (_, file_out, _), (_, stdin_out, _), (_, german_out, _) = runs
    assert json.loads(file_out) == api_plain
    assert json.loads(stdin_out) == api_british
    assert len(stdin_out.strip().splitlines()) == 1  # --compact: one line
    assert json.loads(german_out) == api_german
    # The comparison means something only if the texts produced real results.
    assert api_plain["language"] is None and api_british["language"] == "en-GB"
    assert {e["canonical"] for e in api_plain["entities"]} >= {"Kyiv", "Moscow", "Kharkiv"}
    assert {m["term"] for m in api_plain["escalation"]} >= {
        "invasion",
        "troops",
        "sanctions",
        "Nord Stream 2",
    }
    assert any(m["negated"] for m in api_plain["escalation"])
    assert api_plain["score"] > 0
    assert api_german == {
        "language": "de",
        "score": 0.0,
        "entities": [],
        "escalation": [],
        "contributions": [],
    }
