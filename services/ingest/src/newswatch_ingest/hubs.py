"""WebSub discovery: which hub a feed names, and the topic URL to subscribe to. Pure.

The spec (W3C WebSub, §4) has the publisher name its hub and its own URL either in HTTP ``Link``
headers or in the document (``<atom:link rel="hub">`` / ``rel="self"`` in Atom and RSS, ``hubs`` and
``feed_url`` in JSON Feed); headers take precedence. A subscriber must subscribe to the ``self`` URL,
since that is the topic the publisher pings its hub with; a feed naming a hub but no ``self`` gets the
URL it was fetched from. Only http(s) hubs are used; the first one named wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from newswatch_ingest.parsed import ParsedFeed

__all__ = ["find_hub"]


def _web(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


def find_hub(parsed: ParsedFeed, links: Mapping[str, str], fetched_url: str) -> tuple[str | None, str]:
    """(hub URL or None, topic URL) for a fetched document and its ``Link`` header targets."""
    hub = _web(links.get("hub")) or next((h for h in parsed.hubs if _web(h)), None)
    topic = _web(links.get("self")) or _web(parsed.self_url) or fetched_url
    return hub, topic
