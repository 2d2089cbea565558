"""Every service's /docs page works without the internet: its assets come from the service itself.

FastAPI's default pages load Swagger UI and ReDoc from a CDN, so on an offline machine (or behind a
strict proxy) /docs renders blank. Built without the lifespan: no broker, Redis or spaCy needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from newswatch_alert.app import create_app as alert_app
from newswatch_alert.settings import AlertSettings
from newswatch_enrich.app import create_app as enrich_app
from newswatch_enrich.settings import EnrichSettings
from newswatch_ingest.app import create_app as ingest_app
from newswatch_ingest.settings import IngestSettings

TOKEN = "an-admin-token-only-for-tests"
APPS: dict[str, Callable[[], FastAPI]] = {
    "alert": lambda: alert_app(AlertSettings(admin_token=TOKEN)),
    "enrich": lambda: enrich_app(EnrichSettings()),
    "ingest": lambda: ingest_app(IngestSettings(admin_token=TOKEN)),
}
ASSET = re.compile(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]|url:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("service", sorted(APPS))
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_api_docs_load_only_from_the_service(service: str, page: str) -> None:
    transport = httpx.ASGITransport(app=APPS[service]())  # no lifespan: nothing else is started
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        response = await client.get(page)
        assert response.status_code == 200
        urls = [a or b for a, b in ASSET.findall(response.text)]
        assert urls, "the page references no assets: the check would prove nothing"
        external = [u for u in urls if re.match(r"(?:[a-z]+:)?//", u)]
        assert not external, f"{service}{page} loads from elsewhere: {external}"
        for url in urls:
            assert (await client.get(url)).status_code == 200, url
