"""`newswatch receive`: one line per delivery, and the signature checked as a receiver must."""

from __future__ import annotations

import json
import threading
import time

import httpx

from newswatch_alert.delivery.signing import signature_headers
from newswatch_cli.receive import make_server

SECRET = "a-channel-secret-of-some-length"
ALERT = {
    "watchlist_name": "Ukraine troops",
    "title": "Troops gather near the border",
    "source": "Demo Wire",
    "score": 40.5,
    "matched_entities": ["Ukraine"],
    "matched_keywords": ["troops"],
}


def test_receive_prints_each_alert_and_checks_its_signature() -> None:
    lines: list[str] = []
    server = make_server("127.0.0.1", 0, SECRET, lines.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        body = json.dumps(ALERT).encode()
        signed = signature_headers(SECRET, body, int(time.time()))
        assert httpx.post(url, content=body, headers=signed).status_code == 200
        assert httpx.post(url, content=body + b" ", headers=signed).status_code == 200  # altered in transit
        old = signature_headers(SECRET, body, int(time.time()) - 3600)  # a replay of an hour-old delivery
        assert httpx.post(url, content=body, headers=old).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    assert lines[0] == (
        "alert for watchlist 'Ukraine troops': 'Troops gather near the border' "
        "(Demo Wire, score 40.5; matched Ukraine, troops) [signature ok]"
    )
    assert all("DOES NOT VERIFY" in line for line in lines[1:]) and len(lines) == 3
