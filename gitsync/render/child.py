"""The child process of `gitsync.render.sandbox`: runs one render task under RLIMIT_AS.

Loaded by file path, not as part of the package, so that starting it costs a Python
start-up and nothing more: it imports only the standard library (and, per task,
``_jsonnet`` or ``helm_python``). Messages to the parent are JSON (the parent never
unpickles what a child under hostile input wrote); the parent's are pickles.

Tasks (the first message, ``(task, args)``):
- ``command``: run a tool (``kustomize build``, ``helm template``) and return its exit
  status, stdout and stderr. The tool inherits the memory limit.
- ``helm``: render a chart on disk with the embedded Helm SDK.
- ``jsonnet``: evaluate a snippet; imports are asked of the parent, which reads its Tree.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import resource
import struct
import sys
from typing import Any


class TaskError(Exception):
    """A failure the parent re-raises as `kind` (a gitsync error class name)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


class Parent:
    """The parent's end: requests (Jsonnet imports) and the final answer, framed as
    `multiprocessing.connection.Connection` frames them (a 4-byte big-endian length)."""

    def __init__(self, inbox: int, outbox: int) -> None:
        self.inbox = inbox
        self.outbox = outbox

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        frame = struct.pack("!i", len(data)) + data
        while frame:
            frame = frame[os.write(self.outbox, frame) :]

    def receive(self) -> Any:
        (size,) = struct.unpack("!i", self._read(4))
        if size == -1:
            (size,) = struct.unpack("!Q", self._read(8))
        return pickle.loads(self._read(size))

    def ask(self, request: list[str]) -> Any:
        self.send({"request": request})
        return self.receive()

    def _read(self, size: int) -> bytes:
        chunks: list[bytes] = []
        while size:
            chunk = os.read(self.inbox, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


def run_command(parent: Parent, args: list[str], cwd: str, max_bytes: int) -> dict[str, Any]:
    import subprocess  # here: the other tasks do without it

    done = subprocess.run(args, capture_output=True, cwd=cwd, check=False)
    if len(done.stdout) > max_bytes:
        raise TaskError("limit:max-manifest-bytes", f"{len(done.stdout):,} bytes of output")
    return {
        "returncode": done.returncode,
        "stdout": done.stdout.decode("utf-8", "replace"),
        "stderr": done.stderr.decode("utf-8", "replace")[-4000:],
    }


def render_helm(
    parent: Parent,
    chart_dir: str,
    values: dict[str, Any],
    parameters: list[tuple[str, str, bool]],
    release: str,
    namespace: str,
    skip_crds: bool,
    max_bytes: int,
) -> dict[str, Any]:
    sdk: Any = importlib.import_module("helm_python")
    try:
        for name, value, force_string in parameters:
            expression = f"{name}={value}"
            parsed = (
                sdk.parse_set_string_values(expression)
                if force_string
                else sdk.parse_set_string(expression)
            )
            values = _merge(values, parsed)
    except sdk.HelmError as err:
        raise TaskError("RenderError", f"helm parameter {name}: {_first_line(err)}") from None
    try:
        with sdk.Chart.load(chart_dir) as chart:
            rendered: dict[str, str] = chart.render(
                values=values, name=release, namespace=namespace, is_install=True
            )
            crds: list[dict[str, str]] = [] if skip_crds else chart.crds
    except sdk.HelmError as err:
        raise TaskError("RenderError", _first_line(err)) from None
    size = sum(len(text) for text in rendered.values()) + sum(len(c["data"]) for c in crds)
    if size > max_bytes:
        raise TaskError("limit:max-manifest-bytes", f"{size:,} bytes of templates rendered")
    return {"templates": rendered, "crds": [[c["filename"], c["data"]] for c in crds]}


def evaluate_jsonnet(
    parent: Parent,
    name: str,
    source: str,
    variables: dict[str, dict[str, str]],
    max_bytes: int,
) -> str:
    jsonnet: Any = importlib.import_module("_jsonnet")

    def import_callback(directory: str, relative: str) -> tuple[str, bytes]:
        found = parent.ask([directory, relative])
        if isinstance(found, str):
            raise RuntimeError(found)
        return str(found[0]), bytes(found[1])

    try:
        output: str = jsonnet.evaluate_snippet(
            name, source, import_callback=import_callback, **variables
        )
    except RuntimeError as err:
        raise TaskError("jsonnet", str(err)) from None
    if len(output) > max_bytes:
        raise TaskError("limit:max-manifest-bytes", f"{len(output):,} bytes of JSON")
    return output


def parse_manifests(parent: Parent, data: bytes, kind: str, limits: dict[str, Any]) -> Any:
    """A large YAML/JSON file parsed here, where its node tree cannot exhaust the parent:
    the documents as JSON when JSON holds them exactly, else ``{"fallback": true}``."""
    sys.path[:0] = limits.pop("sys_path")
    parse: Any = importlib.import_module("gitsync.render.parse")
    bounds: Any = importlib.import_module("gitsync.render.limits")
    result = parse.DocumentParser(0, bounds.Limits(**limits))._parse(data, kind)
    if isinstance(result, parse.ParseFailure):
        return {"failure": [result.message, result.line, result.bound]}
    documents = [[index, doc] for index, doc in result.documents]
    if not _plain(documents):
        return {"fallback": True}
    return {"documents": documents, "size": result.size, "objects": result.objects}


def _plain(value: Any) -> bool:
    """Whether JSON gives `value` back unchanged: str keys, JSON types only."""
    pending = [value]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if isinstance(current, dict | list):
            if id(current) in seen:
                continue  # an alias: checked once
            seen.add(id(current))
            if isinstance(current, dict):
                if not all(type(key) is str for key in current):
                    return False
                pending.extend(current.values())
            else:
                pending.extend(current)
        elif current is not None and type(current) not in (str, int, float, bool):
            return False
    return True


TASKS: dict[str, Any] = {
    "command": run_command,
    "helm": render_helm,
    "jsonnet": evaluate_jsonnet,
    "parse": parse_manifests,
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _first_line(err: BaseException) -> str:
    text = " ".join(line.strip() for line in str(err).strip().splitlines())
    return text or err.__class__.__name__


def _limit_memory(memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # Go (Helm, kustomize) collects harder as it nears this instead of failing first.
        os.environ["GOMEMLIMIT"] = str(memory // 2)


def run_bounded(memory: int, command: list[str]) -> int:
    """``child.py exec MEMORY COMMAND...``: become COMMAND under the memory limit (for
    config management plugins, which keep their own environment and pipes)."""
    _limit_memory(memory)
    try:
        os.execvp(command[0], command)
    except FileNotFoundError:
        sys.stderr.write(f"command {command[0]!r} not found\n")
        return 127
    except OSError as err:
        sys.stderr.write(f"command {command[0]!r} cannot run: {err.strerror}\n")
        return 126


def main(argv: list[str]) -> int:
    if argv[1] == "exec":
        return run_bounded(int(argv[2]), argv[3:])
    inbox_fd, outbox_fd, memory = int(argv[1]), int(argv[2]), int(argv[3])
    _limit_memory(memory)
    parent = Parent(inbox_fd, outbox_fd)
    try:
        task, args = parent.receive()
        parent.send({"result": TASKS[task](parent, *args)})
    except TaskError as err:
        parent.send({"error": [err.kind, str(err)]})
    except MemoryError:
        parent.send({"error": ["limit:render-memory-limit", "out of memory"]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
