"""URL canonicalisation: one spelling per article, so the same story from two feeds gets one id.

Rules, in order: resolve against the base (the feed's URL), keep only http(s) URLs with a host,
drop tracking parameters (``utm_*`` and the click ids listed below), drop the default port, then let
w3lib's ``canonicalize_url`` do the rest (lower-case scheme and host, IDNA host, sorted query,
normalised percent-encoding, no fragment). The query is filtered on its raw text so the values we
keep are never decoded and re-encoded differently.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "absolute_url", "canonical_url", "is_tracking_param"]

TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "mtm_", "pk_")
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
        "s_cid",
        "vero_id",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    kept = [p for p in query.split("&") if p and not is_tracking_param(unquote(p.split("=", 1)[0]))]
    return "&".join(kept)


def absolute_url(ref: str, base: str) -> str | None:
    """``ref`` resolved against ``base``; None when it cannot be resolved at all.

    urljoin raises ValueError on an unbalanced IPv6 bracket (``http://[oops/a``); a feed that writes
    one in a single item must lose that item's link, not the whole document.
    """
    try:
        return urljoin(base, ref.strip())
    except ValueError:
        return None


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical form of ``url`` (resolved against ``base``); ``ValueError`` if not http(s)."""
    raw = url.strip()
    if base:
        raw = urljoin(base, raw)
    parts = urlsplit(raw)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    netloc = parts.netloc.rsplit("@", 1)[-1]  # credentials never belong in a shared id
    try:
        port = parts.port
    except ValueError as e:
        raise ValueError(f"bad port in URL: {url!r}") from e
    if port == _DEFAULT_PORTS[parts.scheme]:
        netloc = netloc.rsplit(":", 1)[0]
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path or "/", _clean_query(parts.query), ""))
    return canonicalize_url(rebuilt)
