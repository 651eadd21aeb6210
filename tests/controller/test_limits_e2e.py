"""`gitsync serve` against hostile commits: the app of a commit past a bound shows a
ComparisonError naming the bound and the file, the other apps keep syncing, and SIGTERM
stops the controller within its grace period even while a render is running."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from tests.controller.harness import (
    all_synced_healthy,
    configmap,
    deployment,
    environment,
    wait_for,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "limits"
APPS = {"web-c1", "web-c2", "conf-c1", "conf-c2"}
FILES = {
    "apps/web/deploy.yaml": deployment("web"),
    "apps/conf/cm.yaml": configmap("settings", "one"),
}
GRACE = 20.0  # seconds `serve` has to exit after SIGTERM (Kubernetes gives 30 by default)
SLOW_JSONNET = (
    "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1);\n"
    '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "slow"}, data: {n: f(60)}}\n'
)


def test_an_alias_bomb_marks_only_its_app(tmp_path: Path) -> None:
    with environment(tmp_path, FILES) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        env.repo.commit(
            files={
                "apps/web/bomb.yaml": (FIXTURES / "billion-laughs.yaml").read_text(),
                "apps/conf/cm.yaml": configmap("settings", "two"),
            }
        )

        def bomb_refused_others_synced(apps: dict[str, dict[str, Any]]) -> bool:
            web = [apps[n] for n in ("web-c1", "web-c2")]
            conf = [apps[n] for n in ("conf-c1", "conf-c2")]
            return all("max-manifest-bytes" in a["message"] for a in web) and all(
                a["sync_status"] == "Synced" and a["revision"] == env.repo.head for a in conf
            )

        apps = env.wait_apps(bomb_refused_others_synced, timeout=30, what="bomb refused")
        web = apps["web-c1"]
        assert web["message"].startswith("app web-c1: apps/web/bomb.yaml: line ")
        assert web["conditions"][0].startswith("ComparisonError: ")
        for sim in env.sims:
            live = sim.get_object("v1", "ConfigMap", "conf", "settings")
            assert live is not None and live["data"] == {"v": "two"}
        assert env.ready()


def render_children(parent: int) -> list[int]:
    """Processes `parent` started to render (gitsync/render/child.py)."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"gitsync/render/child.py" in command:
            found.append(int(entry))
    return found


def test_sigterm_stops_serve_while_a_render_runs(tmp_path: Path) -> None:
    with environment(tmp_path, FILES, args=["--render-timeout", "10m"]) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        env.repo.commit(files={"apps/web/slow.jsonnet": SLOW_JSONNET})
        assert env.proc is not None
        serve = env.proc.pid
        children = wait_for(lambda: render_children(serve), timeout=30, what="a render child")
        assert env.stop(signal.SIGTERM, timeout=GRACE) == 0  # not killed by the harness
        for child in children:
            assert not os.path.exists(f"/proc/{child}") or _zombie_or_gone(child)


def _zombie_or_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
