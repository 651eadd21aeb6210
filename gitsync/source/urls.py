"""Repository URLs: their kind, a canonical form for matching, and a form safe to print.

`normalize_repo_url` gives one canonical form per repository so a webhook's URL can be
matched to an app's. Remote URLs (https, http, ssh, git, scp-like ``git@host:org/repo``)
become ``host/path`` in lower case, with the scheme, user, port, an ``ssh.``/``altssh.``
host prefix, a ``.git`` suffix and trailing slashes dropped, as Argo CD's webhook
matching ignores them. Local repositories (``file://`` URLs and plain paths) become
``file://`` plus the absolute, lexically normalised path without a ``.git`` suffix.
"""

from __future__ import annotations

import os
import posixpath
import re
import urllib.parse

_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^/:]+):(?P<path>(?!//).*)$")
_HOST_PREFIX = re.compile(r"^(?:alt)?ssh\.")
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def normalize_repo_url(url: str) -> str:
    """The canonical form of a repository URL or local path (see the module doc)."""
    text = url.strip()
    if text.lower().startswith("file://"):
        return _local(urllib.parse.unquote(urllib.parse.urlsplit(text).path))
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        return _remote(parts.hostname or "", parts.path)
    if is_local_path(text):
        return _local(text)
    scp = _SCP_LIKE.match(text)
    if scp:
        return _remote(scp.group("host"), scp.group("path"))
    return _local(text)


def is_local_path(text: str) -> bool:
    """True for a plain filesystem path (not a URL, not scp-like ``host:path``)."""
    if text.startswith(("/", "./", "../", "~")) or text in (".", ".."):
        return True
    return "://" not in text and not _SCP_LIKE.match(text)


def git_url(url: str) -> str:
    """The URL to hand to git: local paths made absolute, everything else unchanged."""
    text = url.strip()
    if is_local_path(text):
        return os.path.abspath(os.path.expanduser(text))
    return text


def url_scheme(url: str) -> str:
    """``file``, ``https``, ``http``, ``ssh`` or ``git`` (scp-like URLs are ``ssh``)."""
    text = url.strip()
    if is_local_path(text):
        return "file"
    if "://" in text:
        return text.split("://", 1)[0].lower()
    return "ssh"


def url_host(url: str) -> str:
    """The host of a remote URL in lower case ("" for local repositories)."""
    text = url.strip()
    if "://" in text:
        return (urllib.parse.urlsplit(text).hostname or "").lower()
    scp = _SCP_LIKE.match(text)
    return scp.group("host").lower() if scp and not is_local_path(text) else ""


def redact_url(text: str) -> str:
    """`text` with any ``user:password@`` in URLs replaced, safe for messages and logs."""
    return _USERINFO.sub(lambda m: m.group("scheme") + "***@", text)


def _remote(host: str, path: str) -> str:
    host = _HOST_PREFIX.sub("", host.lower())
    clean = _drop_git_suffix(path.strip("/").lower()).rstrip("/")
    return f"{host}/{clean}"


def _local(path: str) -> str:
    absolute = (
        posixpath.normpath(os.path.abspath(os.path.expanduser(path))) if path else os.getcwd()
    )
    if absolute.endswith("/.git"):
        absolute = absolute[: -len("/.git")] or "/"
    return "file://" + _drop_git_suffix(absolute)


def _drop_git_suffix(path: str) -> str:
    return path[: -len(".git")] if path.endswith(".git") and path != ".git" else path
