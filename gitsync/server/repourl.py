"""One canonical form per repository URL, so a webhook's URL can be matched to an app's.

Remote URLs (https, http, ssh, git, scp-like ``git@host:org/repo``) normalise to
``host/path`` in lower case with the scheme, user, port, an ``ssh.``/``altssh.`` host prefix,
a ``.git`` suffix and trailing slashes dropped, the way Argo CD's webhook matching ignores
them. So these are all ``github.com/org/repo``:

    https://github.com/Org/Repo            git@github.com:org/repo.git
    ssh://git@ssh.github.com:443/org/repo  https://user@github.com:443/org/repo/

Local repositories (``file://`` URLs and plain paths) normalise to ``file://`` plus the
absolute, lexically normalised path (``..`` and ``.`` collapsed, a ``.git`` suffix or a
trailing ``/.git`` dropped). Relative paths are made absolute against the current
directory. Symlinks are deliberately not resolved: normalisation never touches the file
system, so two different spellings through a symlink are two different repositories.
Case is kept for local paths (Linux file systems are case-sensitive).
"""

from __future__ import annotations

import os
import posixpath
import re
import urllib.parse

_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^/:]+):(?P<path>(?!//).*)$")
_HOST_PREFIX = re.compile(r"^(?:alt)?ssh\.")


def normalize_repo_url(url: str) -> str:
    """The canonical form of a repository URL or local path (see the module doc)."""
    text = url.strip()
    if text.lower().startswith("file://"):
        return _local(urllib.parse.unquote(urllib.parse.urlsplit(text).path))
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        return _remote(parts.hostname or "", parts.path)
    if _is_local_path(text):
        return _local(text)
    scp = _SCP_LIKE.match(text)
    if scp:
        return _remote(scp.group("host"), scp.group("path"))
    return _local(text)  # a bare relative path such as "repo"


def same_repo(a: str, b: str) -> bool:
    """True when two URLs name the same repository after normalisation."""
    return normalize_repo_url(a) == normalize_repo_url(b)


def _remote(host: str, path: str) -> str:
    host = _HOST_PREFIX.sub("", host.lower())
    clean = path.strip("/").lower()
    clean = _drop_git_suffix(clean).rstrip("/")
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


def _is_local_path(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~")) or text in (".", "..")
