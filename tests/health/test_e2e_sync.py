"""`gitsync sync` as a subprocess against the embedded API server: a wave-1 Deployment
waits for a wave-0 custom resource whose health comes from a Lua script, or from the
conditions fallback, until the test (standing in for the operator) makes it Ready."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent
from tests.sim.objects import crd
from tests.sync.e2e import WAVE, deployment, write_app

WIDGET_SCRIPT = """\
if obj.status ~= nil and obj.status.phase == "Ready" then
  return {status = "Healthy", message = "widget is ready"}
end
return {status = "Progressing", message = "lua: widget " .. obj.metadata.name .. " not ready"}
"""


def widget(name: str, size: int) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": "default", "annotations": {WAVE: "0"}},
        "spec": {"size": size},
    }


def start_sync(sim: SimCluster, app: Path, *extra: str | Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "gitsync", "sync", str(app)]
    command += ["--kubeconfig", str(sim.kubeconfig), "--wave-delay", "0", "--timeout", "60s"]
    return subprocess.Popen(
        [*command, *map(str, extra)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def wait_event(
    sim: SimCluster, seq: int, matches: Callable[[WatchEvent], bool], timeout: float = 30
) -> tuple[WatchEvent, int]:
    """The first event from `seq` on that `matches` (blocking on the emulator's event
    feed, never sleeping), and the sequence number after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events, after = sim.hub.wait(seq, deadline - time.monotonic())
        for index, event in enumerate(events):
            if matches(event):
                return event, seq + index + 1
        seq = after
    raise AssertionError("no such event in time")


class Progress:
    """The progress lines of a running `gitsync sync`, read by a thread as they are flushed,
    so a test waits on them (never sleeping) and the pipe never fills up."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """The first line from here on that mentions `text`."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break  # the sync ended without saying it
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no progress line mentioning {text!r} in time: {self.seen}")


def is_event(kind: str, name: str, event_type: str = "ADDED") -> Callable[[WatchEvent], bool]:
    def matches(event: WatchEvent) -> bool:
        return (event.kind, event.name, event.type) == (kind, name, event_type)

    return matches


def _phase(event: WatchEvent) -> Any:
    return (event.obj.get("status") or {}).get("phase")


def install_widget_crd(sim: SimCluster) -> None:
    sim.create(crd("example.com", "Widget", "widgets"))


def finish(process: subprocess.Popen[str], progress: Progress) -> None:
    """The sync ends with success (its stdout is the progress reader's)."""
    assert process.stderr is not None
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0, "".join(progress.seen) + err


def test_wave_one_waits_for_a_lua_health_script(sim: SimCluster, tmp_path: Path) -> None:
    install_widget_crd(sim)
    scripts = tmp_path / "customizations"
    (scripts / "example.com" / "Widget").mkdir(parents=True)
    (scripts / "example.com" / "Widget" / "health.lua").write_text(WIDGET_SCRIPT)
    app = write_app(tmp_path / "shop", [widget("db", 1), deployment("web", wave=1)])
    seq = 0
    process = start_sync(sim, app, "--health-lua", scripts)
    try:
        # the sync judged the widget with the script and waits on it
        progress = Progress(process)
        progress.wait_for("lua: widget db not ready")
        assert sim.get_object("example.com/v1", "Widget", "default", "db") is not None
        assert sim.get_object("apps/v1", "Deployment", "default", "web") is None
        sim.set_status("example.com/v1", "Widget", "default", "db", {"phase": "Ready"})
        created, _ = wait_event(sim, seq, is_event("Deployment", "web"))
        ready, _ = wait_event(sim, 0, lambda e: e.kind == "Widget" and _phase(e) == "Ready")
        assert ready.rv < created.rv
        finish(process, progress)
    finally:
        process.kill()
        process.wait()


def test_wave_one_waits_for_the_conditions_fallback(sim: SimCluster, tmp_path: Path) -> None:
    install_widget_crd(sim)
    # The operator has reconciled generation 1; the sync changes the spec (generation 2).
    sim.create(widget("db", 1))
    ready = {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True"}]}
    sim.set_status("example.com/v1", "Widget", "default", "db", ready)
    app = write_app(tmp_path / "shop", [widget("db", 2), deployment("web", wave=1)])
    seq = 0
    process = start_sync(sim, app)
    try:
        progress = Progress(process)
        progress.wait_for("observe generation 2")
        assert sim.get_object("apps/v1", "Deployment", "default", "web") is None
        live = sim.get_object("example.com/v1", "Widget", "default", "db")
        assert live is not None and live["metadata"]["generation"] == 2
        # still not Ready: an operator reporting a failure-free reconcile in progress
        reconciling = {
            "observedGeneration": 2,
            "conditions": [
                {"type": "Reconciling", "status": "True", "reason": "Resizing"},
                {"type": "Ready", "status": "Unknown"},
            ],
        }
        sim.set_status("example.com/v1", "Widget", "default", "db", reconciling)
        progress.wait_for("Resizing")
        assert sim.get_object("apps/v1", "Deployment", "default", "web") is None
        done = {"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]}
        sim.set_status("example.com/v1", "Widget", "default", "db", done)
        created, _ = wait_event(sim, seq, is_event("Deployment", "web"))
        finish(process, progress)
        # the Deployment came after the status that made the widget Ready
        events, _ = sim.hub.wait(0, 0)
        widget_rvs = [e.rv for e in events if e.kind == "Widget" and e.type == "MODIFIED"]
        assert max(widget_rvs) < created.rv
    finally:
        process.kill()
        process.wait()


def test_diff_reports_the_apps_health_with_the_scripts(sim: SimCluster, tmp_path: Path) -> None:
    install_widget_crd(sim)
    sim.create(widget("db", 1))
    scripts = tmp_path / "customizations"
    (scripts / "example.com" / "Widget").mkdir(parents=True)
    (scripts / "example.com" / "Widget" / "health.lua").write_text(WIDGET_SCRIPT)
    app = write_app(tmp_path / "shop", [widget("db", 1)])
    command = [sys.executable, "-m", "gitsync", "diff", str(app)]
    command += ["--kubeconfig", str(sim.kubeconfig), "--health-lua", str(scripts)]
    done = subprocess.run([*command, "-o", "json"], capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["health"] == {
        "status": "Progressing",
        "message": "Widget/default/db: lua: widget db not ready",
    }
    text = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert text.stdout.splitlines()[-1] == (
        "health: Progressing: Widget/default/db: lua: widget db not ready"
    )
