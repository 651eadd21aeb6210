"""Credentials of repository Secrets handed to git and to Helm repository clients.

`SecretCredentials` holds the parsed repository Secrets (replaced as a whole when the
controller re-reads them) and falls back to the environment's credentials for URLs no
Secret serves. For git it yields the environment of one git process: an https password
travels as an ``http.<origin>.extraHeader`` set through ``GIT_CONFIG_*`` variables (never
in the URL, argv or a message); an ssh key, a TLS client key and known_hosts are written
to files in a fresh 0700 directory, each 0600, removed as soon as the git process ended.
"""

from __future__ import annotations

import base64
import os
import shlex
import shutil
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitsync.source.credentials import Credentials
from gitsync.source.repocreds import RepoCredential, RepoCredentials
from gitsync.source.urls import url_scheme


class SecretCredentials:
    """Repository Secrets first, then the environment's credentials. Thread-safe."""

    def __init__(self, fallback: Credentials, helm_fallback: Credentials | None = None) -> None:
        self._fallback = fallback
        self._helm_fallback = helm_fallback or Credentials()
        self._lock = threading.Lock()
        self._secrets = RepoCredentials()
        self._known_hosts = ""

    def update(self, secrets: RepoCredentials, known_hosts: str = "") -> None:
        with self._lock:
            self._secrets = secrets
            self._known_hosts = known_hosts

    def credential_for(self, url: str, kind: str) -> RepoCredential | None:
        with self._lock:
            return self._secrets.for_url(url, kind)

    @contextmanager
    def git_session(self, url: str) -> Iterator[dict[str, str]]:
        """The environment for one git process talking to `url`; files removed after."""
        with self._lock:
            credential = self._secrets.for_url(url, "git")
            known_hosts = self._known_hosts
        if credential is None:
            with self._fallback.git_session(url) as env:
                yield env
            return
        with git_env_for(url, credential, known_hosts) as env:
            yield env

    def basic_auth_for(self, url: str) -> tuple[str, str] | None:
        """(user, secret) for a Helm repository or OCI registry URL."""
        credential = self.credential_for(url, "helm")
        if credential is not None and credential.basic_auth is not None:
            return credential.basic_auth
        return self._helm_fallback.basic_auth_for(url)


@contextmanager
def git_env_for(url: str, credential: RepoCredential, known_hosts: str) -> Iterator[dict[str, str]]:
    """Environment for git reaching `url` with `credential`; its files live only inside."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
    directory = Path(tempfile.mkdtemp(prefix="gitsync-auth-"))  # 0700
    try:
        scheme = url_scheme(url)
        if scheme in ("https", "http"):
            env.update(_https_env(url, credential, directory))
        elif scheme == "ssh":
            env["GIT_SSH_COMMAND"] = _ssh_command(credential, known_hosts, directory)
        yield env
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _https_env(url: str, credential: RepoCredential, directory: Path) -> dict[str, str]:
    parts = urllib.parse.urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/"
    config: list[tuple[str, str]] = []
    auth = credential.basic_auth
    if auth is not None:
        encoded = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        config.append((f"http.{origin}.extraHeader", f"Authorization: Basic {encoded}"))
    if credential.tls_client_cert_data and credential.tls_client_cert_key:
        cert_file = _private_file(directory, "client.crt", credential.tls_client_cert_data)
        key_file = _private_file(directory, "client.key", credential.tls_client_cert_key)
        config += [
            (f"http.{origin}.sslCert", str(cert_file)),
            (f"http.{origin}.sslKey", str(key_file)),
        ]
    env = {"GIT_CONFIG_COUNT": str(len(config))}
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    if credential.insecure:
        env["GIT_SSL_NO_VERIFY"] = "true"
    return env


def _ssh_command(credential: RepoCredential, known_hosts: str, directory: Path) -> str:
    words = ["ssh", "-o", "BatchMode=yes"]
    if credential.ssh_private_key:
        text = credential.ssh_private_key
        key = _private_file(directory, "id", text if text.endswith("\n") else text + "\n")
        words += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
    if credential.insecure:
        words += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    else:
        # Without known hosts the check fails closed, as Argo CD's does.
        hosts = _private_file(directory, "known_hosts", known_hosts)
        words += ["-o", f"UserKnownHostsFile={hosts}", "-o", "StrictHostKeyChecking=yes"]
    return shlex.join(words)


def _private_file(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
