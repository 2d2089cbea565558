"""The ingest service's errors, under the shared tree.

    NewswatchError
    ├── SchemaError
    │   ├── FeedParseError   the body is not a feed we can read (an HTML page, broken XML, empty)
    │   └── EntryError       one entry cannot become an article (no link and no GUID)
    ├── RetryableError
    │   └── PublishError     the broker did not acknowledge; nothing is marked seen, the feed is retried
    └── FetchError           the feed could not be fetched; ``kind`` is a stable key for health and metrics

Every message is a sentence a person can act on: it is shown as is in ``GET /feeds``.
"""

from __future__ import annotations

from typing import Literal

from newswatch_shared.errors import NewswatchError, RetryableError, SchemaError

__all__ = ["EntryError", "FeedParseError", "FetchError", "FetchErrorKind", "PublishError"]

#: Stable error keys; they appear in feed health (``last_error_kind``) and metric labels.
FetchErrorKind = Literal[
    "timeout",
    "network",
    "tls",
    "redirects",
    "too_large",
    "http_status",
    "invalid_url",
    "decoding",
    "refused",  # the host is (or resolves to) an address the egress policy does not allow
]


class FeedParseError(SchemaError):
    """The document is not a readable RSS, Atom, RDF or JSON feed."""


class EntryError(SchemaError):
    """A feed entry that cannot be turned into an article."""


class PublishError(RetryableError):
    """Articles were not acknowledged by the broker; they stay unseen and are sent again later."""


class FetchError(NewswatchError):
    """A failed fetch, with a stable ``kind`` and, when the server answered, its HTTP status."""

    def __init__(
        self,
        kind: FetchErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: FetchErrorKind = kind
        self.status = status
        self.retry_after_s = retry_after_s
