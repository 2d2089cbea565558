"""``newswatch-alert``: run the alert service until SIGTERM/SIGINT."""

from __future__ import annotations

from newswatch_alert.app import create_app
from newswatch_alert.common import redact
from newswatch_alert.settings import AlertSettings
from newswatch_shared.log_setup import setup_logging
from newswatch_shared.runtime import serve

__all__ = ["main"]


def main() -> None:
    settings = AlertSettings()  # admin_token comes from the environment (required)
    setup_logging("alert", settings.log_level, settings.log_format)
    redact.install()  # delivery URLs are credentials: no log line, ours or a library's, shows one
    serve(create_app(settings), settings.host, settings.alert_port)


if __name__ == "__main__":
    main()
