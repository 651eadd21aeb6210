"""A real OCI registry (Debian's ``docker-registry``) on 127.0.0.1 for tests of OCI Helm
charts, with optional htpasswd basic auth, and a chart push over the distribution API."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.controller.harness import wait_for

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"
CONFIG_TYPE = "application/vnd.cncf.helm.config.v1+json"
CHART_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
_LISTENING = re.compile(r'msg="listening on (127\.0\.0\.1:\d+)"')


def registry_missing() -> str:
    """Why the registry tests cannot run here ("" when they can)."""
    if not Path(REGISTRY).exists():
        return "docker-registry is not installed (apt-get install docker-registry)"
    return ""


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    auth: tuple[str, str] | None

    def push_chart(self, repository: str, version: str, archive: bytes) -> str:
        """Push a chart as Helm does; the manifest's digest."""
        chart_name = repository.rsplit("/", 1)[-1]
        config = json.dumps({"name": chart_name, "version": version, "apiVersion": "v2"}).encode()
        config_digest = self._blob(repository, config)
        chart_digest = self._blob(repository, archive)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": {
                    "mediaType": CONFIG_TYPE,
                    "digest": config_digest,
                    "size": len(config),
                },
                "layers": [{"mediaType": CHART_TYPE, "digest": chart_digest, "size": len(archive)}],
            }
        ).encode()
        tag = version.replace("+", "_")
        self._call(
            "PUT",
            f"/v2/{repository}/manifests/{tag}",
            manifest,
            {"Content-Type": MANIFEST_TYPE},
        )
        return "sha256:" + hashlib.sha256(manifest).hexdigest()

    def _blob(self, repository: str, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        _, headers = self._call("POST", f"/v2/{repository}/blobs/uploads/", b"", {})
        location = headers["Location"]
        parts = urllib.parse.urlsplit(location)
        query = f"{parts.query}&" if parts.query else ""
        path = f"{parts.path}?{query}digest={urllib.parse.quote(digest)}"
        self._call("PUT", path, data, {"Content-Type": "application/octet-stream"})
        return digest

    def _call(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(
            f"http://{self.host}{path}", data=body, method=method, headers=headers
        )
        if self.auth is not None:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), dict(response.headers)


@contextlib.contextmanager
def run_registry(tmp: Path, auth: tuple[str, str] | None = None) -> Iterator[Registry]:
    reason = registry_missing()
    if reason:
        pytest.skip(reason)
    tmp.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "version": 0.1,
        # info: the log names the port the registry was given (it listens on port 0)
        "log": {"level": "info"},
        "storage": {"filesystem": {"rootdirectory": str(tmp / "data")}},
        "http": {"addr": "127.0.0.1:0"},
    }
    if auth is not None:
        if shutil.which("htpasswd") is None:
            pytest.skip("htpasswd is not installed (apt-get install apache2-utils)")
        line = subprocess.run(
            ["htpasswd", "-inB", auth[0]],
            input=auth[1],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (tmp / "htpasswd").write_text(line + "\n")
        config["auth"] = {"htpasswd": {"realm": "gitsync-tests", "path": str(tmp / "htpasswd")}}
    (tmp / "config.yml").write_text(yaml.safe_dump(config))
    log = open(tmp / "registry.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [REGISTRY, "serve", str(tmp / "config.yml")], stdout=log, stderr=subprocess.STDOUT
    )

    def listening() -> str | None:
        if proc.poll() is not None:
            raise AssertionError((tmp / "registry.log").read_text()[-2000:])
        found = _LISTENING.search((tmp / "registry.log").read_text(errors="replace"))
        return found.group(1) if found else None

    def answering() -> bool:
        if proc.poll() is not None:
            raise AssertionError((tmp / "registry.log").read_text()[-2000:])
        try:
            with urllib.request.urlopen(f"http://{registry.host}/v2/", timeout=2):
                return True
        except urllib.error.HTTPError as err:
            return err.code == 401

    try:
        registry = Registry(wait_for(listening, timeout=30, what="the registry's port"), auth)
        wait_for(answering, timeout=30, what="the registry answering")
        yield registry
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@contextlib.contextmanager
def token_gateway(registry: Registry, auth: tuple[str, str]) -> Iterator[TokenGateway]:
    """A front for `registry` that asks for Bearer tokens as Docker Hub or GHCR do: a 401
    naming a token realm, whose tokens it hands out for `auth` given as basic auth."""
    gateway = TokenGateway(registry, auth)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), gateway.handler())
    gateway.host = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class TokenGateway:
    registry: Registry
    auth: tuple[str, str]
    host: str = ""
    token: str = "issued-token-0451"
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        gateway = self
        basic = "Basic " + base64.b64encode(":".join(self.auth).encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == "/token":
                    params = dict(urllib.parse.parse_qsl(query))
                    params["authorized"] = str(self.headers.get("Authorization") == basic)
                    gateway.token_requests.append(params)
                    if self.headers.get("Authorization") != basic:
                        self._answer(401, b"{}")
                        return
                    self._answer(200, json.dumps({"token": gateway.token}).encode())
                    return
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    realm = f"http://{gateway.host}/token"
                    challenge = f'Bearer realm="{realm}",service="gateway"'
                    self._answer(401, b"{}", {"WWW-Authenticate": challenge})
                    return
                request = urllib.request.Request(f"http://{gateway.registry.host}{self.path}")
                for name in ("Accept",):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        kept = {"Content-Type": response.headers.get("Content-Type", "")}
                        self._answer(response.status, response.read(), kept)
                except urllib.error.HTTPError as err:
                    self._answer(err.code, err.read())

            def _answer(
                self, code: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(code)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
