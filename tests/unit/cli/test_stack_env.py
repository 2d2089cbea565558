"""The environment `newswatch dev` (make run, the e2e tests) gives its services, built without starting."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch_cli.stack import Stack, StackConfig


def env_of(tmp_path: Path) -> dict[str, str]:
    return Stack(StackConfig(data_dir=tmp_path, admin_token="a-token-for-the-tests-only"))._env()


def test_the_dev_stack_allows_private_urls_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its demo feed and the receivers people try first are on 127.0.0.1, which the guard refuses."""
    monkeypatch.delenv("NEWSWATCH_ALLOW_PRIVATE_URLS", raising=False)
    assert env_of(tmp_path)["NEWSWATCH_ALLOW_PRIVATE_URLS"] == "true"
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_URLS", "false")
    assert env_of(tmp_path)["NEWSWATCH_ALLOW_PRIVATE_URLS"] == "false"
