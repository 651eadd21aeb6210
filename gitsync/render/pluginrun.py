"""Running a config management plugin: `init` then `generate`, as subprocesses in a
scratch copy of the repository at the revision, working in the app's directory.

A plugin sees only what Argo CD gives one: the build environment (``ARGOCD_APP_*``,
``KUBE_VERSION``...), the source's ``plugin.env`` as ``ARGOCD_ENV_<NAME>``, its
parameters as ``PARAM_*`` and ``ARGOCD_APP_PARAMETERS``, plus PATH and a HOME inside the
scratch directory. Nothing else of gitsync's environment (tokens, kubeconfig, webhook
secrets) is passed. Standard input is closed, every command has a timeout, and output
is capped; the process group is killed on either limit.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gitsync.errors import RenderError
from gitsync.render.options import PluginOptions
from gitsync.render.plugins import Command, ConfigManagementPlugin
from gitsync.render.sandbox import bounded_argv
from gitsync.source.tree import Tree

DEFAULT_TIMEOUT = 90.0
MAX_OUTPUT = 64 * 1024 * 1024
MAX_COPY_FILES = 100_000  # files of the repository written to a scratch copy
MAX_COPY_BYTES = 1024 * 1024 * 1024
_STDERR_TAIL = 16 * 1024
_STDERR_LINES = 3
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_NOT_ENV_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class BuildContext:
    """What Argo CD tells a plugin about the app beyond its source (its build environment)."""

    app_name: str = ""
    app_namespace: str = ""  # the destination namespace
    project: str = ""
    repo_url: str = ""
    target_revision: str = ""
    kube_version: str = ""
    api_versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PluginLimits:
    """Bounds on one plugin run: time, output, the scratch copy, memory."""

    timeout: float = DEFAULT_TIMEOUT
    max_output: int = MAX_OUTPUT
    max_copy_files: int = MAX_COPY_FILES
    max_copy_bytes: int = MAX_COPY_BYTES
    memory: int = 0  # RLIMIT_AS of the commands (render-memory-limit); 0: none


def build_environment(tree: Tree, path: str, context: BuildContext) -> dict[str, str]:
    revision = tree.revision
    return {
        "ARGOCD_APP_NAME": context.app_name,
        "ARGOCD_APP_NAMESPACE": context.app_namespace,
        "ARGOCD_APP_PROJECT_NAME": context.project,
        "ARGOCD_APP_REVISION": revision,
        "ARGOCD_APP_REVISION_SHORT": revision[:7],
        "ARGOCD_APP_REVISION_SHORT_8": revision[:8],
        "ARGOCD_APP_SOURCE_REPO_URL": context.repo_url,
        "ARGOCD_APP_SOURCE_PATH": path or ".",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": context.target_revision,
        "KUBE_VERSION": context.kube_version,
        "KUBE_API_VERSIONS": ",".join(context.api_versions),
    }


def plugin_environment(build: dict[str, str], options: PluginOptions) -> dict[str, str]:
    """The build environment, ``ARGOCD_ENV_*`` (values may use ``$VAR`` of the build
    environment) and the parameters as Argo CD flattens them."""
    env = dict(build)
    for name, value in options.env:
        env[f"ARGOCD_ENV_{name}"] = _expand(value, build)
    parameters = json.loads(options.parameters) if options.parameters else []
    if parameters:
        env["ARGOCD_APP_PARAMETERS"] = options.parameters
    for parameter in parameters:
        base = f"PARAM_{_env_name(str(parameter.get('name', '')))}"
        if isinstance(parameter.get("string"), str):
            env[base] = parameter["string"]
        for index, item in enumerate(parameter.get("array") or []):
            env[f"{base}_{index}"] = str(item)
        for key, item in (parameter.get("map") or {}).items():
            env[f"{base}_{_env_name(str(key))}"] = str(item)
    return env


def _expand(value: str, variables: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), ""), value)


def _env_name(name: str) -> str:
    return _NOT_ENV_NAME.sub("_", name).upper()


class ScratchCopy:
    """The repository at the revision, written to a temp dir once per render."""

    def __init__(self, tree: Tree, preserve_file_mode: bool, limits: PluginLimits) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="gitsync-plugin-")
        self.home = Path(self._tmp.name)
        self.repo = self.home / "repo"
        try:
            _copy_bounded(tree, self.repo, limits)
            if preserve_file_mode:
                _restore_executable_bits(tree, self.repo)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> ScratchCopy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _copy_bounded(tree: Tree, destination: Path, limits: PluginLimits) -> None:
    """Every file of `tree` under `destination` (regular files only: links were resolved
    inside the tree), refusing repositories over the file-count or size limits."""
    total = 0
    destination.mkdir(parents=True)
    for count, name in enumerate(tree.walk_files(""), start=1):
        if count > limits.max_copy_files:
            raise RenderError(f"repository has more than {limits.max_copy_files} files to copy")
        data = tree.read_bytes(name)
        total += len(data)
        if total > limits.max_copy_bytes:
            raise RenderError(f"repository is larger than {limits.max_copy_bytes} bytes to copy")
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _restore_executable_bits(tree: Tree, root: Path) -> None:
    """Set the executable bit where the tree has it (``preserveFileMode``)."""
    entries: Any = getattr(tree, "_loaded", None)
    if callable(entries):  # a Git commit: modes from the tree listing
        for name, entry in entries().items():
            if getattr(entry, "mode", "") == "100755" and (root / name).is_file():
                (root / name).chmod(0o755)
        return
    base = getattr(tree, "root", None)
    if isinstance(base, Path):  # a local directory
        for name in tree.walk_files(""):
            if os.access(base / name, os.X_OK):
                (root / name).chmod(0o755)


def run_command(
    plugin: ConfigManagementPlugin,
    phase: str,
    command: Command,
    cwd: Path,
    env: dict[str, str],
    home: Path,
    limits: PluginLimits,
) -> bytes:
    """The command's stdout; RenderError with the tail of stderr when it fails."""
    full_env = {
        "PATH": os.environ.get("PATH") or _DEFAULT_PATH,
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        **env,
    }
    label = f"plugin {plugin.full_name}: {phase}"
    try:
        process = subprocess.Popen(
            bounded_argv(command.argv, limits.memory),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed as a whole
        )
    except FileNotFoundError:
        raise RenderError(f"{label} command {command.command[0]!r} not found") from None
    except OSError as err:
        raise RenderError(f"{label} command {command.command[0]!r} cannot run: {err}") from None
    assert process.stdout is not None and process.stderr is not None
    out = _Collector(process.stdout, limits.max_output, process)
    errors = _Collector(process.stderr, _STDERR_TAIL, None)
    try:
        process.wait(limits.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out.join()
        errors.join()
        raise RenderError(f"{label} timed out after {limits.timeout:g}s") from None
    finally:
        _kill_group(process)  # children left running in the background
    out.join()
    errors.join()
    if out.overflow:
        raise RenderError(f"{label} wrote more than {limits.max_output} bytes")
    if process.returncode != 0:
        tail = _tail(errors.data())
        detail = f": {tail}" if tail else ""
        raise RenderError(f"{label} exited with status {process.returncode}{detail}")
    return out.data()


class _Collector:
    """Reads a pipe in a thread: the first `limit` bytes (stdout, killing the process
    past the cap) or the last `limit` bytes (stderr, for the error message)."""

    def __init__(self, pipe: IO[bytes], limit: int, process: subprocess.Popen[bytes] | None):
        self.limit = limit
        self.overflow = False
        self._head = process is not None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._size = 0
        self._pipe = pipe
        self._process = process
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with self._pipe:
            while chunk := self._pipe.read1(65536):  # type: ignore[attr-defined]
                self._chunks.append(chunk)
                self._size += len(chunk)
                if self._head and self._size > self.limit:
                    self.overflow = True
                    assert self._process is not None
                    _kill_group(self._process)
                    return
                while not self._head and self._size - len(self._chunks[0]) > self.limit:
                    self._size -= len(self._chunks.popleft())

    def join(self) -> None:
        self._thread.join(10)

    def data(self) -> bytes:
        return b"".join(self._chunks)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)


def _tail(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    return " | ".join([line for line in lines if line][-_STDERR_LINES:])
