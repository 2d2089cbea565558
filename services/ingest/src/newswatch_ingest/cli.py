"""`newswatch feeds parse PATH_OR_URL`: the service's own fetch → parse → normalise, on one document.

It prints one ``RawArticle`` JSON object per line on stdout (exactly what ingest would publish,
before de-duplication) and exits 0; warnings go to stderr as ``warning: …`` lines. A document that
cannot be used (unreadable file, failed fetch, not a feed) gives one ``error: …`` line on stderr and
exit status 1; a bug in newswatch gives one line and status 70. Never a traceback: the output is
meant for people and for scripts that run it over thousands of files.

The ``newswatch`` command delegates its ``feeds`` group here, lazily, so the rest of the CLI does
not import feedparser, httpx or pycld2.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO, TextIO

import typer

from newswatch_ingest.errors import FeedParseError, FetchError
from newswatch_ingest.fetch import fetch_feed, make_http_client
from newswatch_ingest.normalize import feed_context, normalize_entries
from newswatch_ingest.parse import parse_feed
from newswatch_ingest.urls import canonical_url
from newswatch_shared.ids import stable_id
from newswatch_shared.netguard import EgressPolicy
from newswatch_shared.schemas import utcnow

__all__ = ["EXIT_BUG", "EXIT_UNUSABLE", "ParseOptions", "app", "run_parse"]

EXIT_UNUSABLE = 1
EXIT_BUG = 70  # EX_SOFTWARE
_DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_USER_AGENT = "newswatch-ingest/0.1 (+feed poller; feeds parse)"


@dataclass(frozen=True)
class ParseOptions:
    base_url: str | None = None
    timeout_s: float = 20.0
    max_bytes: int = _DEFAULT_MAX_BYTES
    user_agent: str = _USER_AGENT
    #: Fetch from non-public addresses too (the service's NEWSWATCH_ALLOW_PRIVATE_URLS).
    allow_private_urls: bool = False


@dataclass(frozen=True)
class _Document:
    body: bytes
    url: str
    feed_id: str
    content_type: str | None = None


class _Unusable(Exception):
    pass


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


async def _fetch(url: str, options: ParseOptions, err: TextIO) -> _Document:
    egress = EgressPolicy(allow_private=options.allow_private_urls)
    async with make_http_client(options.user_agent, options.timeout_s, 1, egress=egress) as client:
        result = await fetch_feed(client, url, max_bytes=options.max_bytes, timeout_s=options.timeout_s)
    if result.body is None:  # no validators were sent, so only a misbehaving server answers 304
        raise _Unusable(f"The server answered {result.status} without a body.")
    if result.permanent_redirect:
        err.write(f"warning: the feed has moved permanently to {result.permanent_redirect}\n")
    return _Document(result.body, result.url or url, stable_id(canonical_url(url)), result.content_type)


def _read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise _Unusable(f"The document is larger than the {max_bytes:,}-byte limit.")
    return body


def _load(source: str, options: ParseOptions, stdin: BinaryIO, err: TextIO) -> _Document:
    if _is_url(source):
        try:
            canonical_url(source)
        except ValueError as e:
            raise _Unusable(f"The URL cannot be fetched: {e}.") from None
        return asyncio.run(_fetch(source, options, err))
    if source == "-":
        return _Document(_read_limited(stdin, options.max_bytes), "", stable_id("stdin"))
    path = Path(source)
    try:
        with path.open("rb") as f:
            body = _read_limited(f, options.max_bytes)
    except OSError as e:
        raise _Unusable(f"Cannot read the file: {e.strerror or e}.") from None
    uri = path.resolve().as_uri()
    return _Document(body, uri, stable_id(uri))


def run_parse(
    source: str, options: ParseOptions, *, out: TextIO, err: TextIO, stdin: BinaryIO | None = None
) -> int:
    """Print the articles of ``source`` (a file, ``-`` for stdin, or an http(s) URL); the exit status."""
    try:
        doc = _load(source, options, stdin or sys.stdin.buffer, err)
        base = options.base_url or doc.url
        parsed = parse_feed(doc.body, base, doc.content_type)
        fetched_at = utcnow()
        articles, skipped = normalize_entries(
            parsed.entries, feed_context(doc.feed_id, base, "", parsed), fetched_at
        )
        for warning in [*parsed.warnings, *skipped]:
            err.write(f"warning: {warning}\n")
        for article in articles:
            out.write(article.model_dump_json() + "\n")
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): not an error of the document
    except (_Unusable, FeedParseError, FetchError) as e:
        err.write(f"error: {source}: {_sentence(e)}\n")
        return EXIT_UNUSABLE
    except Exception as e:  # a bug: still one line, never a traceback
        err.write(f"error: {source}: unexpected {type(e).__name__} in newswatch (a bug): {_sentence(e)}\n")
        return EXIT_BUG
    return 0


def _sentence(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


app = typer.Typer(
    name="feeds",
    help="Inspect feeds with the ingest service's own code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _feeds() -> None:
    """Inspect feeds with the ingest service's own code."""


@app.command("parse")
def parse_command(
    source: Annotated[
        str, typer.Argument(metavar="PATH_OR_URL", help="A feed file, - for stdin, or an http(s) URL.")
    ],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="URL that relative links resolve against (default: the file or feed URL)."
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds for the whole fetch of a URL.")
    ] = 20.0,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Largest document read.")
    ] = _DEFAULT_MAX_BYTES,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            "--allow-private-urls",
            envvar="NEWSWATCH_ALLOW_PRIVATE_URLS",
            help="Fetch from loopback, private and other non-public addresses too, as the service does "
            "with the same setting (refused by default, redirects included).",
        ),
    ] = False,
) -> None:
    """Print the normalised articles of a feed as JSON lines; one error line and exit 1 if unusable."""
    options = ParseOptions(
        base_url=base_url, timeout_s=timeout, max_bytes=max_bytes, allow_private_urls=allow_private_urls
    )
    try:
        code = run_parse(source, options, out=sys.stdout, err=sys.stderr)
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    raise typer.Exit(code)


def main() -> None:
    """``python -m newswatch_ingest.cli``: the same commands without the ``newswatch`` wrapper."""
    app(prog_name="newswatch feeds")


if __name__ == "__main__":
    main()
