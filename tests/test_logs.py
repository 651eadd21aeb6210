"""Log set-up: one format for structlog and standard-library loggers, a level, no secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from gitsync import logs


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_stdlib_and_structlog_lines_are_both_json(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("json", "info")
    structlog.get_logger("gitsync.test").info("reconciled", app="web", token="s3cret")
    logging.getLogger("kubernetes.client").warning("connection pool is full")
    lines = _lines(capsys.readouterr().err)
    assert [line["event"] for line in lines] == ["reconciled", "connection pool is full"]
    assert lines[0]["token"] == "<redacted>"
    assert lines[1]["logger"] == "kubernetes.client"
    assert lines[1]["level"] == "warning"
    assert all("timestamp" in line for line in lines)


def test_the_level_filters_both_kinds_of_logger(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("json", "warning")
    structlog.get_logger().info("quiet")
    logging.getLogger("apscheduler").info("quiet too")
    structlog.get_logger().error("loud")
    assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["loud"]
