"""`newswatch stories group [FILE]`: which story each article of a JSON-lines file belongs to.

Reads ``{"id", "source", "title", "summary", "published"?}`` lines from FILE, or stdin when FILE is
missing or ``-``, and prints one ``{"id", "story_id"}`` line per input line, in input order. The
grouping is the service's own (``StoryAssigner`` with the same signature and decision rules, and the
window of ``NEWSWATCH_ENRICH_STORY_WINDOW_S``) over an in-memory store: no broker, no Redis.

Exit status: 0 done; 1 unusable input (unreadable, not UTF-8, a bad line: its number is named);
2 bad settings. Errors are one ``error: …`` line on stderr, and nothing is printed on stdout.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from newswatch_enrich.settings import EnrichSettings
from newswatch_enrich.stories.assign import StoryAssigner
from newswatch_enrich.stories.decide import DecideParams
from newswatch_enrich.stories.lines import BadLine, group_items, parse_lines
from newswatch_enrich.stories.store import MemoryStore

__all__ = ["app", "group_text"]

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Stories: copies of one report, grouped.")


def group_text(text: str, window_s: float | None = None) -> list[dict[str, str]]:
    """The output rows for a JSON-lines text; :class:`BadLine` for an unusable line."""
    items = parse_lines(text.splitlines())
    decide = DecideParams(window_s=window_s) if window_s is not None else DecideParams()
    assigned = asyncio.run(group_items(StoryAssigner(MemoryStore(), decide=decide), items))
    return [{"id": item.id, "story_id": a.story_id} for item, a in zip(items, assigned, strict=True)]


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.callback()
def _main() -> None:
    """Group articles into stories with the enrich service's code."""


@app.command()
def group(
    file: Annotated[
        str | None,
        typer.Argument(help="JSON lines of {id, source, title, summary, published}; '-' is stdin."),
    ] = None,
) -> None:
    """Print {"id", "story_id"} for every input line, in input order."""
    try:
        settings = EnrichSettings()
    except ValidationError as e:
        raise _fail(f"invalid NEWSWATCH_* settings: {e.errors()[0]['msg']}", 2) from None
    try:
        if file is None or file == "-":
            text = sys.stdin.buffer.read().decode("utf-8-sig")
        else:
            text = Path(file).read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise _fail(f"cannot read {file}: {e.strerror or e}", 1) from None
    except UnicodeDecodeError as e:
        raise _fail(f"input is not UTF-8 (byte {e.start})", 1) from None
    try:
        rows = group_text(text, settings.enrich_story_window_s)
    except BadLine as e:
        raise _fail(str(e), 1) from None
    sys.stdout.write("".join(json.dumps(row) + "\n" for row in rows))


if __name__ == "__main__":
    app(prog_name="newswatch stories")
