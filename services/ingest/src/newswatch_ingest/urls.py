"""URL canonicalisation: one spelling per article, so the same story from two feeds gets one id.

Rules, in order: resolve against the base (the feed's URL); keep only http(s) URLs with a host;
refuse an authority holding characters RFC 3986 does not allow there, because parsers disagree on
them (browsers read ``\\`` as ``/``, urllib does not, so the id and a reader's click could name
different hosts); drop tracking parameters (``utm_*`` and the click ids listed below); drop the
default port; then let w3lib's ``canonicalize_url`` do the rest (lower-case scheme and host, IDNA
host, sorted query, normalised percent-encoding, no fragment); last, check that the host left is
one a resolver could be asked for: a DNS name of letters, digits, ``-`` and ``_`` (after IDNA) or
an IP address. The query is filtered on its raw text so the values we keep are never decoded and
re-encoded differently.
"""

from __future__ import annotations

import ipaddress
import re
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
# Not allowed anywhere in an authority by RFC 3986 (controls, space, and the "unwise" characters).
_BAD_AUTHORITY = re.compile(r'[\x00-\x20\x7f\\<>"{}|^`]')
_HOST_LABEL = re.compile(r"[a-z0-9_-]+")
# A "%" that does not start an escape; w3lib escapes it in the query but keeps it in the path.
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


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
    if _BAD_AUTHORITY.search(parts.netloc):
        raise ValueError(f"characters not allowed in the host part of URL: {url!r}")
    netloc = parts.netloc.rsplit("@", 1)[-1]  # credentials never belong in a shared id
    try:
        port = parts.port
    except ValueError as e:
        raise ValueError(f"bad port in URL: {url!r}") from e
    if port == _DEFAULT_PORTS[parts.scheme]:
        netloc = netloc.rsplit(":", 1)[0]
    # Escaping stray "%" first keeps the result a fixed point: in "%%41" w3lib decodes "%41" to "A",
    # and the "%A…" it leaves would be read as an escape by the next pass.
    path = _STRAY_PERCENT.sub("%25", parts.path) or "/"
    rebuilt = urlunsplit((parts.scheme, netloc, path, _clean_query(parts.query), ""))
    result = canonicalize_url(rebuilt)
    if not _is_host(urlsplit(result).hostname):
        raise ValueError(f"no usable host in URL: {url!r}")
    return result


def _is_host(host: str | None) -> bool:
    """A DNS name (ASCII by now: w3lib applied IDNA) or an IP address; not ``..x``, ``a%41`` or empty."""
    if not host:
        return False
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return all(_HOST_LABEL.fullmatch(label) for label in host.removesuffix(".").split("."))
