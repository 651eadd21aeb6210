"""A Helm chart repository (index.yaml + archives) served over HTTP from a temp dir, for
tests of charts from Helm repositories."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.server
import io
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-web
  namespace: {{ .Release.Namespace }}
data:
  greeting: {{ .Values.greeting | quote }}
  replicas: {{ .Values.replicas | quote }}
  chart: {{ .Chart.Version | quote }}
"""


def chart_archive(name: str, version: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A packaged chart: ``<name>/Chart.yaml``, values and one template, plus `extra`."""
    files: dict[str, bytes] = {
        f"{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode(),
        f"{name}/values.yaml": b"greeting: hi\nreplicas: 1\n",
        f"{name}/templates/configmap.yaml": TEMPLATE.encode(),
    }
    files.update(extra or {})
    return tar_gz(files)


def tar_gz(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for path, target in (links or {}).items():
            info = tarfile.TarInfo(path)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


@dataclass
class ChartRepo:
    """A directory of archives plus index.yaml, served on 127.0.0.1 while the test runs."""

    root: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    auth: tuple[str, str] | None = None

    def add(self, name: str, version: str, archive: bytes | None = None, **entry: Any) -> None:
        data = archive if archive is not None else chart_archive(name, version)
        file_name = f"{name}-{version}.tgz"
        (self.root / file_name).write_bytes(data)
        fields: dict[str, Any] = {
            "apiVersion": "v2",
            "name": name,
            "version": version,
            "urls": [file_name],
            "digest": hashlib.sha256(data).hexdigest(),
        }
        fields.update(entry)
        self.entries.setdefault(name, []).append(fields)
        self.write_index()

    def write_index(self) -> None:
        index = {"apiVersion": "v1", "entries": self.entries}
        (self.root / "index.yaml").write_text(yaml.safe_dump(index))

    def count(self, path: str) -> int:
        return sum(1 for request in self.requests if request == path)


def _handler(repo: ChartRepo) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            repo.requests.append(self.path)
            if repo.auth is not None:
                expected = base64.b64encode(":".join(repo.auth).encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="charts"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def serve_chart_repo(root: Path) -> Iterator[ChartRepo]:
    """An empty repository served on 127.0.0.1 until the block ends; `add` charts to it."""
    root.mkdir(parents=True, exist_ok=True)
    repo = ChartRepo(root)
    repo.write_index()
    handler = functools.partial(_handler(repo), directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    repo.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield repo
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
