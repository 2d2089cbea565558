"""``newswatch-enrich``: build settings once, set up logging, serve the app until SIGTERM."""

from __future__ import annotations

from newswatch_enrich.app import create_app
from newswatch_enrich.settings import EnrichSettings
from newswatch_shared.log_setup import setup_logging
from newswatch_shared.runtime import serve

__all__ = ["main"]


def main() -> None:
    settings = EnrichSettings()
    setup_logging("enrich", settings.log_level, settings.log_format)
    serve(create_app(settings), settings.host, settings.enrich_port)


if __name__ == "__main__":
    main()
