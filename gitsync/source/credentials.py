"""Git credentials from the environment or a file, turned into environment for git.

Secrets never appear on a command line (where `ps` shows them) nor in a message: https
credentials travel as an ``http.<url>.extraHeader`` set through ``GIT_CONFIG_*``
variables of the git child process, ssh keys through ``GIT_SSH_COMMAND``.

Environment variables:
    GITSYNC_GIT_TOKEN                      a bearer-like token (sent as basic auth)
    GITSYNC_GIT_USERNAME, GITSYNC_GIT_PASSWORD
    GITSYNC_GIT_CREDENTIALS_FILE           git-credential-store lines:
                                           ``https://user:secret@host``, one per host
    GITSYNC_GIT_SSH_KEY_FILE               private key for ssh URLs
    GITSYNC_GIT_KNOWN_HOSTS_FILE           known_hosts for ssh (strict checking when set)
    GITSYNC_HELM_CREDENTIALS_FILE          the same lines, for Helm chart repositories
"""

from __future__ import annotations

import base64
import os
import shlex
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from gitsync.errors import SourceError
from gitsync.source.urls import url_host, url_scheme

# A token alone is sent with this user name; GitHub, GitLab and Gitea accept any name.
_TOKEN_USER = "x-access-token"


class GitAuth(Protocol):
    """What gives a git process talking to a URL its credentials."""

    def git_session(self, url: str) -> AbstractContextManager[dict[str, str]]: ...


class BasicAuth(Protocol):
    """What gives an HTTP request to a URL its basic-auth credentials."""

    def basic_auth_for(self, url: str) -> tuple[str, str] | None: ...


@dataclass(frozen=True)
class Credentials:
    """What git needs to reach private repositories. `repr` never shows a secret."""

    username: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None
    # host -> (username, secret), from a credentials file
    per_host: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        file_name = env.get("GITSYNC_GIT_CREDENTIALS_FILE", "")
        key = env.get("GITSYNC_GIT_SSH_KEY_FILE", "")
        known = env.get("GITSYNC_GIT_KNOWN_HOSTS_FILE", "")
        return cls(
            username=env.get("GITSYNC_GIT_USERNAME", ""),
            password=env.get("GITSYNC_GIT_PASSWORD", ""),
            token=env.get("GITSYNC_GIT_TOKEN", ""),
            ssh_key_file=Path(key) if key else None,
            known_hosts_file=Path(known) if known else None,
            per_host=read_credentials_file(Path(file_name)) if file_name else {},
        )

    def basic_auth_for(self, url: str) -> tuple[str, str] | None:
        """(user, secret) to send to this https URL's host, or None for anonymous."""
        host = url_host(url)
        if host in self.per_host:
            return self.per_host[host]
        if self.token:
            return (self.username or _TOKEN_USER, self.token)
        if self.username and self.password:
            return (self.username, self.password)
        return None

    def git_env(self, url: str) -> dict[str, str]:
        """Environment variables to add to a git process that talks to `url`."""
        env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
        scheme = url_scheme(url)
        if scheme in ("https", "http"):
            auth = self.basic_auth_for(url)
            if auth:
                encoded = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                parts = urllib.parse.urlsplit(url)
                env.update(
                    GIT_CONFIG_COUNT="1",
                    GIT_CONFIG_KEY_0=f"http.{parts.scheme}://{parts.netloc}/.extraHeader",
                    GIT_CONFIG_VALUE_0=f"Authorization: Basic {encoded}",
                )
        elif scheme == "ssh":
            env["GIT_SSH_COMMAND"] = self._ssh_command()
        return env

    @contextmanager
    def git_session(self, url: str) -> Iterator[dict[str, str]]:
        """`git_env` for one git process (nothing to clean up: files come from the user)."""
        yield self.git_env(url)

    def _ssh_command(self) -> str:
        words = ["ssh", "-o", "BatchMode=yes"]
        if self.ssh_key_file:
            words += ["-i", str(self.ssh_key_file), "-o", "IdentitiesOnly=yes"]
        if self.known_hosts_file:
            words += [
                "-o",
                f"UserKnownHostsFile={self.known_hosts_file}",
                "-o",
                "StrictHostKeyChecking=yes",
            ]
        return shlex.join(words)


def helm_credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """Credentials for Helm chart repositories: only the per-host lines of
    ``GITSYNC_HELM_CREDENTIALS_FILE`` (git-credential-store format). Git's token or
    password is never sent to a chart repository's host."""
    env = os.environ if environ is None else environ
    file_name = env.get("GITSYNC_HELM_CREDENTIALS_FILE", "")
    return Credentials(per_host=read_credentials_file(Path(file_name)) if file_name else {})


def read_credentials_file(path: Path) -> dict[str, tuple[str, str]]:
    """Parse git-credential-store lines (``https://user:secret@host``) into host -> auth."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.__class__.__name__
        raise SourceError(f"cannot read credentials file {path}: {reason}") from None
    result: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = urllib.parse.urlsplit(line)
        if not parts.hostname or parts.password is None:
            # The line itself holds a secret: name only the line number.
            raise SourceError(f"{path}:{number}: expected https://user:secret@host")
        result[parts.hostname.lower()] = (
            urllib.parse.unquote(parts.username or _TOKEN_USER),
            urllib.parse.unquote(parts.password),
        )
    return result
