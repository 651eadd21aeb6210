"""The real HTTP server in a process of its own, so tests can watch its memory and log:
``python -m tests.server.serverproc`` prints ``port N`` once listening and serves until
its standard input closes. Logs (JSON, as `serve` writes them) go to standard error."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gitsync import logs
from gitsync.server import GitsyncApp, HttpServer, ServerSettings
from gitsync.server.webhook import WebhookSecrets
from tests.server.inmemory import InMemoryController

SECRET = "serverproc-secret"


@dataclass
class ServerProcess:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def server_process(tmp: Path) -> Iterator[ServerProcess]:
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.server.serverproc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().decode()
            assert line.startswith("port "), f"server did not start: {log_path.read_text()}"
            yield ServerProcess(proc, int(line.split()[1]), log_path)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def main() -> None:
    logs.configure("json")
    settings = ServerSettings(secrets=WebhookSecrets(github=SECRET))
    app = GitsyncApp(InMemoryController([{"name": "web"}]), settings)
    with HttpServer("127.0.0.1:0", app) as server:
        print(f"port {server.port}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
