"""Entry point of ``newswatch-ingest``."""

from __future__ import annotations

import logging

from newswatch_ingest.app import SERVICE, create_app
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.log_setup import setup_logging
from newswatch_shared.runtime import serve


def main() -> None:
    settings = IngestSettings()
    setup_logging(SERVICE, settings.log_level, settings.log_format)
    # httpx logs every request at INFO; feed health and metrics already tell that story.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    serve(create_app(settings), settings.host, settings.ingest_port)


if __name__ == "__main__":
    main()
