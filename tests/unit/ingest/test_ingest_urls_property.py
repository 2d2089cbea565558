"""Properties of canonical_url over generated URLs: one spelling per article, whatever the spelling in.

The table in test_ingest_urls.py pins examples; these hold for every URL hypothesis can build from
mixed-case schemes and hosts, ports, credentials, odd path characters, percent-escapes, tracking and
ordinary parameters in any order, and fragments.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newswatch_ingest.urls import TRACKING_PARAMS, TRACKING_PREFIXES, canonical_url, is_tracking_param

LABEL = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True)
UNICODE_LABEL = st.sampled_from(["bücher", "élysée", "straße", "кремль", "東京", "Ωmega"])
NAME_HOST = st.lists(st.one_of(LABEL, UNICODE_LABEL), min_size=1, max_size=3).map(".".join)
HOST = st.one_of(
    NAME_HOST.map(lambda h: f"{h}.example"),
    st.sampled_from(["127.0.0.1", "10.1.2.3", "[::1]", "[2001:db8::A]"]),
)
SCHEME = st.sampled_from(["http", "https", "HTTP", "Https", "hTtPs"])
PATH_CHAR = st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@/ %é") + ["%41", "%7e", "%2F", "%20", "%c3%a9"])
PATH = st.lists(PATH_CHAR, max_size=12).map("".join)
NAME = st.one_of(
    st.sampled_from(sorted(TRACKING_PARAMS)),
    st.sampled_from(TRACKING_PREFIXES).flatmap(
        lambda p: st.sampled_from(["source", "x", "Campaign"]).map(p.__add__)
    ),
    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
)
VALUE_PART = st.sampled_from([*"abc123-_.~+é", "%20", "%2B", "%26", "%3D"])
VALUE = st.lists(VALUE_PART, max_size=6).map("".join)
PARAMS = st.lists(st.tuples(NAME, VALUE), max_size=6)
FRAGMENT = st.one_of(st.none(), st.text(alphabet="abc#?/=&", max_size=6))


def _is_host(host: str | None) -> bool:
    """A DNS name (IDNA-encoded by then) or an IP address: what a resolver can be asked."""
    if not host:
        return False
    if ":" in host:
        return bool(ipaddress.ip_address(host))
    return all(re.fullmatch(r"[a-z0-9_-]+", label) for label in host.removesuffix(".").split("."))


def _query(params: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in params)


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = draw(HOST)
    if draw(st.booleans()):
        host = host.upper() if draw(st.booleans()) else host.title()
    port = draw(st.one_of(st.none(), st.sampled_from([80, 443, 8080])))
    userinfo = draw(st.sampled_from(["", "user@", "user:secret@"]))
    query = _query(draw(PARAMS))
    fragment = draw(FRAGMENT)
    netloc = f"{userinfo}{host}" + (f":{port}" if port else "")
    return (
        f"{draw(SCHEME)}://{netloc}/{draw(PATH).lstrip('/')}"
        + (f"?{query}" if query else "")
        + (f"#{fragment}" if fragment is not None else "")
    )


@settings(max_examples=400)
@given(urls())
@example("http://0.example/%%41a")  # was "%Aa", then "%AA"
def test_canonical_form_is_a_fixed_point(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=400)
@given(urls())
def test_result_is_an_http_url_without_fragment_credentials_default_port_or_tracking(url: str) -> None:
    result = canonical_url(url)
    parts = urlsplit(result)
    assert parts.scheme in ("http", "https") and _is_host(parts.hostname)
    assert "#" not in result and "@" not in parts.netloc
    assert parts.port != {"http": 80, "https": 443}[parts.scheme]
    assert parts.netloc == parts.netloc.lower()
    assert not [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if is_tracking_param(k)]


@settings(max_examples=300)
@given(urls(), st.randoms(use_true_random=False))
def test_parameter_order_does_not_matter(url: str, rng: object) -> None:
    parts = urlsplit(url)
    params = parts.query.split("&") if parts.query else []
    shuffled = params[:]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    other = parts._replace(query="&".join(shuffled)).geturl()
    assert canonical_url(other) == canonical_url(url)


@settings(max_examples=300)
@given(urls())
def test_scheme_and_host_case_do_not_matter(url: str) -> None:
    parts = urlsplit(url)
    lower = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
    upper = parts._replace(scheme=parts.scheme.upper(), netloc=parts.netloc.upper()).geturl()
    assert canonical_url(lower) == canonical_url(url) == canonical_url(upper)


@settings(max_examples=300)
@given(urls(), FRAGMENT, st.lists(st.tuples(st.sampled_from(sorted(TRACKING_PARAMS)), VALUE), max_size=3))
def test_fragments_and_tracking_parameters_change_nothing(
    url: str, fragment: str | None, tracking: list[tuple[str, str]]
) -> None:
    base = url.split("#", 1)[0]
    extra = _query(tracking)
    joined = base + (("&" if "?" in base else "?") + extra if extra else "")
    assert canonical_url(joined + (f"#{fragment}" if fragment is not None else "")) == canonical_url(base)


@settings(max_examples=500)
@given(st.text(max_size=60))
@example("http://[oops/a")
@example("https://example.org:99999/")
@example("HTTP://EXAMPLE.ORG")
@example("http://h.example@\\")  # was "http:////"
def test_any_text_is_a_canonical_http_url_or_a_value_error(text: str) -> None:
    try:
        result = canonical_url(text)
    except ValueError:
        return
    parts = urlsplit(result)
    assert parts.scheme in ("http", "https") and _is_host(parts.hostname)
    assert canonical_url(result) == result


URL_PART = st.sampled_from([*"aZ09-._~!$&'()*+,;=:@/?#[]% \t\\é", "%41", "%7e", "%2f", "%25", "utm_source=1"])
URLISH = st.lists(URL_PART, max_size=25).map("".join)


@settings(max_examples=2000)
@given(SCHEME, URLISH)
@example("http", "@\\")
def test_anything_after_a_host_is_a_canonical_http_url_or_a_value_error(scheme: str, rest: str) -> None:
    try:
        result = canonical_url(f"{scheme}://h.example{rest}")
    except ValueError:
        return
    parts = urlsplit(result)
    assert parts.scheme in ("http", "https") and _is_host(parts.hostname)
    assert "#" not in result and canonical_url(result) == result
