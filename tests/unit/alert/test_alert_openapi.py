"""The OpenAPI document of the alert service documents every endpoint fully.

Built from the app without serving it (no lifespan: no broker, no Redis). Every operation, whichever
module adds it, needs a summary, a tag, a success response with a schema (or 204), the errors it can
answer with (401 when it takes a credential, 404 when its path names an item, 422 when it takes
input) and an example.
"""

from __future__ import annotations

from typing import Any

import pytest

from newswatch_alert.app import create_app
from newswatch_alert.live.models import ArticlePage
from newswatch_alert.settings import AlertSettings

OPS_PATHS = {"/health", "/ready", "/metrics"}  # the shared operations router, documented in architecture.md
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    app = create_app(AlertSettings(admin_token="an-admin-token-only-for-tests"))
    document: dict[str, Any] = app.openapi()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        if path not in OPS_PATHS
        for method, operation in item.items()
        if method in METHODS
    ]


def has_example(spec: dict[str, Any], operation: dict[str, Any]) -> bool:
    contents = [c for r in operation["responses"].values() for c in r.get("content", {}).values()]
    contents += list(operation.get("requestBody", {}).get("content", {}).values())
    if any("example" in c or "examples" in c for c in contents):
        return True
    return any(
        {"example", "examples"} & (p.keys() | p.get("schema", {}).keys())
        for p in operation.get("parameters", [])
    )


def test_the_api_has_its_endpoints(spec: dict[str, Any]) -> None:
    listed = {(method.upper(), path) for path, method, _ in operations(spec)}
    assert {
        ("POST", "/users"),
        ("GET", "/users"),
        ("DELETE", "/users/{user_id}"),
        ("POST", "/keys"),
        ("GET", "/keys"),
        ("DELETE", "/keys/{key_id}"),
        ("POST", "/watchlists"),
        ("GET", "/watchlists"),
        ("GET", "/watchlists/{watchlist_id}"),
        ("PATCH", "/watchlists/{watchlist_id}"),
        ("DELETE", "/watchlists/{watchlist_id}"),
        ("GET", "/alerts"),
        ("GET", "/alerts/{alert_id}"),
        ("GET", "/articles"),
        ("GET", "/deliveries/dead"),
        ("POST", "/deliveries/dead/{dead_id}/redrive"),
        ("GET", "/admin/deliveries/dead"),
        ("POST", "/admin/deliveries/dead/redrive"),
        ("GET", "/email/confirm"),
        ("POST", "/email/confirm"),
        ("GET", "/email/unsubscribe"),
        ("POST", "/email/unsubscribe"),
        ("GET", "/concepts"),
    } <= listed
    assert {"UserKey", "AdminToken"} <= set(spec["components"]["securitySchemes"])


def test_every_endpoint_is_documented(spec: dict[str, Any]) -> None:
    problems: list[str] = []
    for path, method, op in operations(spec):
        name = f"{method.upper()} {path}"
        responses = op["responses"]
        if not op.get("summary"):
            problems.append(f"{name}: no summary")
        if not op.get("tags"):
            problems.append(f"{name}: no tags")
        success = [code for code in responses if code.startswith("2")]
        if not success:
            problems.append(f"{name}: no success response")
        for code in success:
            if code != "204" and not any("schema" in c for c in responses[code].get("content", {}).values()):
                problems.append(f"{name}: {code} has no response schema")
        expected = set()
        if op.get("security"):
            expected.add("401")
        if "{" in path:
            expected.add("404")
        if op.get("parameters") or op.get("requestBody"):
            expected.add("422")
        for code in sorted(expected - set(responses)):
            problems.append(f"{name}: error {code} not documented")
        for code, response in responses.items():
            if code.startswith(("4", "5")) and not response.get("description"):
                problems.append(f"{name}: error {code} has no description")
        if not has_example(spec, op):
            problems.append(f"{name}: no example")
    assert problems == []


# Public on purpose: articles, their stories and the trends computed from them are public news (read
# only); the concept scheme is reference data a form completes names from (nothing of any user); the
# e-mail consent pages are for people without an account, whose credential is the link's token (a
# POST records the answer, and RFC 8058 one-click unsubscribe POSTs). Anything else needs a
# credential; a new public endpoint must be added here, as a decision.
PUBLIC = {
    "/articles": {"get"},
    "/stories": {"get"},
    "/trends": {"get"},
    "/concepts": {"get"},
    "/email/": {"get", "post"},
}


def test_credentials_are_declared_where_needed(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        schemes = {scheme for requirement in op.get("security", []) for scheme in requirement}
        key = (method.upper(), path)
        public = next((methods for prefix, methods in PUBLIC.items() if path.startswith(prefix)), None)
        if public is not None:
            assert method in public and not schemes, key
        elif path.startswith(("/users", "/admin/")):
            assert schemes == {"AdminToken"}, key
        else:
            assert schemes == {"UserKey"}, key


def test_unauthorized_documents_the_challenge(spec: dict[str, Any]) -> None:
    response = spec["paths"]["/keys"]["get"]["responses"]["401"]
    assert "WWW-Authenticate" in response["headers"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_the_article_example_is_one_the_api_could_return(spec: dict[str, Any]) -> None:
    """The /articles example is what readers copy: it must parse as a page and add up like real
    output (a contribution's points sum to the score; its count is the number of matches listed)."""
    content = spec["paths"]["/articles"]["get"]["responses"]["200"]["content"]["application/json"]
    page = ArticlePage.model_validate(content["example"])
    assert page.articles
    for article in page.articles:
        assert sum(c.points for c in article.contributions) == pytest.approx(article.score)
        for c in article.contributions:
            assert c.count == sum(1 for e in article.escalation if e.term == c.term), c.term


def _objects(
    spec: dict[str, Any], schema: dict[str, Any], seen: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Every object schema reachable from ``schema`` (through $ref, anyOf, oneOf, arrays), named."""
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return [
            (name, spec["components"]["schemas"][name]),
            *_objects(spec, spec["components"]["schemas"][name], seen),
        ]
    found: list[tuple[str, dict[str, Any]]] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for child in schema.get(key, []):
            found += _objects(spec, child, seen)
    if "items" in schema:
        found += _objects(spec, schema["items"], seen)
    for child in schema.get("properties", {}).values():
        found += _objects(spec, child, seen)
    if schema.get("type") == "object" and "properties" in schema and "$ref" not in schema:
        found.append(("(inline)", schema))
    return found


def test_every_request_body_refuses_unknown_fields(spec: dict[str, Any]) -> None:
    """A typo in a body (``keyword`` for ``keywords``) must be a 422, never a setting silently lost:
    every object a JSON body may hold, at any depth (channels), says additionalProperties false."""
    lax: set[str] = set()
    for path, method, op in operations(spec):
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        for name, schema in _objects(spec, content["schema"], set()):
            if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
                lax.add(f"{method.upper()} {path}: {name}")
    assert lax == set()
