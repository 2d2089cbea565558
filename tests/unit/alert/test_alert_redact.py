"""URL redaction: what the alert service shows of a delivery URL in logs and status views."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from newswatch_alert.common.redact import RedactingFilter, fingerprint, redact_text, redact_url
from newswatch_alert.delivery.email import SmtpConfig
from newswatch_shared.log_setup import _JsonFormatter

SLACK = "https://hooks.slack.com/services/T0AAAA/B0BBBB/cccccccccccccccc"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (SLACK, f"https://hooks.slack.com/…#{fingerprint(SLACK)}"),
        ("https://user:pw@hooks.example.org/in?token=abc", "https://hooks.example.org/…#"),
        ("http://127.0.0.1:9000/hook", "http://127.0.0.1:9000/…#"),
        ("https://discord.com/api/webhooks/1/tok", "https://discord.com/…#"),
        ("http://[::1]:8080/x", "http://[::1]:8080/…#"),
        ("http://enrich:8002", "http://enrich:8002"),  # a bare origin holds nothing to hide
        ("HTTP://Enrich:8002/", "http://enrich:8002"),
        ("redis://:s3cret@redis:6379/0", "redis://redis:6379/…#"),
        ("mailto:desk@example.org,duty@example.org", "mailto:desk@example.org,duty@example.org"),
    ],
)
def test_a_url_is_shown_as_its_origin_and_a_fingerprint(url: str, shown: str) -> None:
    assert redact_url(url).startswith(shown)
    for secret in ("T0AAAA", "cccc", "user", "pw@", "token", "abc", "tok", "s3cret", "/hook"):
        if secret in url and secret not in shown:
            assert secret not in redact_url(url)


def test_fingerprints_tell_channels_apart_and_match_httpx_s_spelling() -> None:
    other = SLACK[:-1] + "d"
    assert fingerprint(SLACK) != fingerprint(other) and len(fingerprint(SLACK)) == 8
    # httpx lower-cases the host and writes an empty path as "/": the same channel, the same print.
    assert redact_url(str(httpx.URL("https://Hooks.Slack.com"))) == redact_url("https://hooks.slack.com")
    mixed = "https://Hooks.Slack.com/services/T0AAAA/B0BBBB/cccccccccccccccc"
    assert fingerprint(str(httpx.URL(mixed))) == fingerprint(mixed) == fingerprint(SLACK)


def test_redacting_twice_changes_nothing() -> None:
    """Our own lines show redacted URLs, and then pass the filter: the fingerprint must survive."""
    once = redact_url(SLACK)
    assert redact_url(once) == once and redact_text(f"to {once}.") == f"to {once}."


def test_text_keeps_everything_but_the_secret_parts() -> None:
    text = f'HTTP Request: POST {SLACK} "HTTP/1.1 200 OK"; then see {SLACK}.'
    clean = redact_text(text)
    assert "T0AAAA" not in clean and "cccc" not in clean
    assert clean == (
        f'HTTP Request: POST {redact_url(SLACK)} "HTTP/1.1 200 OK"; then see {redact_url(SLACK)}.'
    )
    assert redact_text("no URL here: 50% off") == "no URL here: 50% off"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines through the service's formatter and the redacting filter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(_JsonFormatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, out
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_the_filter_covers_arguments_tracebacks_and_extra_fields(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = logged
    logger.info("HTTP Request: %s %s", "POST", httpx.URL(SLACK))
    try:
        raise ValueError(f"bad answer from {SLACK}")
    except ValueError:
        logger.exception("delivery failed", extra={"target": SLACK})
    text = out.getvalue()
    assert "cccc" not in text and "T0AAAA" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["message"] == f"HTTP Request: POST {redact_url(SLACK)}"
    assert "ValueError: bad answer from https://hooks.slack.com/…#" in second["exc_info"]
    assert second["target"] == redact_url(SLACK)


def test_the_smtp_password_is_not_in_the_config_s_repr() -> None:
    config = SmtpConfig(host="smtp.example.org", port=587, sender="a@b.c", username="u", password="pw-123")
    assert "pw-123" not in repr(config) and "smtp.example.org" in repr(config)
