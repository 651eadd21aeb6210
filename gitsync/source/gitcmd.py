"""Running git through GitPython, with git's failures turned into one-line SourceErrors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import git

from gitsync.errors import SourceError
from gitsync.source.urls import redact_url

DEFAULT_TIMEOUT = 120.0
_AUTH_FAILURES = (
    "terminal prompts disabled",
    "Authentication failed",
    "The requested URL returned error: 401",
    "The requested URL returned error: 403",
)


def run_git(
    cwd: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    what: str,
) -> bytes:
    """Run ``git <args>`` in `cwd` and return its stdout as bytes.

    `what` describes the action for the error message, e.g. ``fetch https://host/repo``.
    """
    runner = git.Git(str(cwd))
    try:
        out = runner.execute(
            ["git", *args],
            env=dict(env or {}),
            kill_after_timeout=timeout,
            stdout_as_string=False,
            with_extended_output=False,
        )
    except git.GitCommandError as err:
        raise SourceError(f"{redact_url(what)}: {git_message(err)}") from None
    except OSError as err:
        raise SourceError(f"{redact_url(what)}: cannot run git ({err.strerror})") from None
    assert isinstance(out, bytes)
    return out


def git_message(err: git.GitCommandError) -> str:
    """The most telling line of git's stderr, with credentials removed."""
    stderr = err.stderr if isinstance(err.stderr, str) else str(err.stderr or "")
    lines = [line.strip() for line in stderr.replace("\r", "\n").splitlines()]
    lines = [line.removeprefix("stderr: ").strip("'\" ") for line in lines]
    lines = [line for line in lines if line]
    chosen = next((line for line in lines if line.startswith(("fatal:", "error:"))), "")
    if not chosen:
        chosen = lines[-1] if lines else f"git exited with status {err.status}"
    if "timed out" in stderr and "kill_after_timeout" in stderr:
        chosen = "git timed out"
    if any(sign in stderr for sign in _AUTH_FAILURES):
        # git asks for a user name after a 401: say what happened instead
        chosen = "authentication failed (the credentials were refused, or none match this URL)"
    chosen = chosen.removeprefix("fatal: ").removeprefix("error: ")
    return redact_url(chosen)
