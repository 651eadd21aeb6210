"""The controller `gitsync serve` runs, started in this process against the demo's
clusters and repository, with its HTTP server (status API, webhooks) on a free port.

In-process rather than a subprocess so the demo can follow the apps as the controller
writes their status, with exact timing; it is the same `Controller` and `GitsyncApp`
that `gitsync serve` wires together.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import structlog

from gitsync.controller import Controller, ControllerConfig
from gitsync.demo.clusters import DemoClusters
from gitsync.demo.content import APPSET_DIR, DemoRepo
from gitsync.errors import GitsyncError
from gitsync.server import GitsyncApp, HttpServer, Metrics, ServerSettings
from gitsync.source import RepoCache

NAMESPACE = "gitsync"
WEBHOOK_PATH = "/api/webhook"
APPS_PATH = "/api/v1/applications"


class DemoController:
    """`gitsync serve --repo REPO --path applicationsets --clusters FILE` in this process;
    its log goes to a file so the demo's account stays readable."""

    def __init__(
        self,
        workdir: Path,
        clusters: DemoClusters,
        repo: DemoRepo,
        cache: RepoCache,
        *,
        wave_delay: float,
        poll_interval: float,
    ) -> None:
        self.log_file = workdir / "controller.log"
        self.config = ControllerConfig(
            repo=str(repo.path),
            revision="HEAD",
            path=APPSET_DIR,
            kubeconfig=str(clusters.home.kubeconfig),
            context=clusters.home.name,
            namespace=NAMESPACE,
            listen="127.0.0.1:0",
            poll_interval=poll_interval,
            clusters=str(clusters.write_clusters_file(workdir / "clusters.yaml")),
            wave_delay=wave_delay,
            leader_election=False,
            cache_dir=str(workdir / "cache"),
        ).validate()
        self._cache = cache
        self._controller: Controller | None = None
        self._server: HttpServer | None = None

    @property
    def controller(self) -> Controller:
        if self._controller is None:
            raise GitsyncError("the demo controller is not running")
        return self._controller

    @property
    def url(self) -> str:
        if self._server is None:
            raise GitsyncError("the demo controller is not running")
        return self._server.url

    def start(self) -> DemoController:
        metrics = Metrics()
        controller = Controller(self.config, metrics, repo_cache=self._cache)
        self._controller = controller
        app = GitsyncApp(controller, ServerSettings.from_config(self.config), metrics)
        self._server = HttpServer(self.config.listen, app).start()
        controller.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def push_webhook(self, repo: DemoRepo, before: str, after: str, changed: list[str]) -> int:
        """POST a GitHub push event for `before..after` to /api/webhook, as a Git host
        would; how many apps (plus the root) the controller queued."""
        payload = {
            "ref": "refs/heads/main",
            "before": before,
            "after": after,
            "repository": {"clone_url": repo.url, "default_branch": "main"},
            "commits": [{"id": after, "added": [], "removed": [], "modified": changed}],
        }
        answer = self._post(
            WEBHOOK_PATH,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "X-GitHub-Event": "push"},
        )
        return int(answer.get("queued") or 0)

    def _post(self, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise GitsyncError(f"webhook to the demo controller failed: {err}") from None
        return answer if isinstance(answer, dict) else {}


@contextmanager
def logs_to(path: Path) -> Iterator[IO[str]]:
    """Send structlog's lines (the controller's log) to `path` as JSON while the demo runs,
    and put the previous configuration back afterwards."""
    previous = structlog.get_config()
    with path.open("a", encoding="utf-8") as handle:
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            logger_factory=structlog.PrintLoggerFactory(file=handle),
            cache_logger_on_first_use=False,
        )
        try:
            yield handle
        finally:
            structlog.configure(**previous)
