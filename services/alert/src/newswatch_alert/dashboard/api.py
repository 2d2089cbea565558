"""The dashboard: static files from the package, served at ``/`` and ``/dashboard/<file>``.

Plain HTML, CSS and ES modules: no build step, nothing from a CDN. Only files that ship in
``dashboard/static`` are served (the list is read once), so no path can reach anything else. The
Content-Security-Policy allows this origin only, which also proves the page needs no other network.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, RedirectResponse

__all__ = ["DASHBOARD_DIR", "dashboard_router"]

DASHBOARD_DIR = Path(__file__).with_name("static")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate every time (ETag/Last-Modified make that cheap): an upgrade is seen at once.
    "Cache-Control": "no-cache",
}


def dashboard_router() -> APIRouter:
    files = {p.name: p for p in DASHBOARD_DIR.iterdir() if p.is_file() and p.suffix in _TYPES}
    router = APIRouter(include_in_schema=False)

    def serve(name: str) -> FileResponse:
        path = files.get(name)
        if path is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
        return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)

    @router.get("/")
    async def index() -> FileResponse:
        return serve("index.html")

    @router.get("/dashboard")
    async def dashboard_root() -> RedirectResponse:
        return RedirectResponse("/", status_code=status.HTTP_308_PERMANENT_REDIRECT)

    @router.get("/dashboard/{name}")
    async def asset(name: str) -> FileResponse:
        return serve(name)

    return router
