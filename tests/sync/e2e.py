"""Shared pieces of the end-to-end sync tests: manifests, running the CLI, reading the
emulator's request log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import RequestRecord, SimCluster

HOOK = "argocd.argoproj.io/hook"
WAVE = "argocd.argoproj.io/sync-wave"
DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
STATE_NAMESPACE = "gitsync"


def deployment(
    name: str,
    *,
    wave: int | None = None,
    ann: dict[str, str] | None = None,
    image: str = "nginx:1.25",
) -> dict[str, Any]:
    annotations = dict(ann or {})
    if wave is not None:
        annotations[WAVE] = str(wave)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def service(name: str, *, wave: int | None = None) -> dict[str, Any]:
    annotations = {WAVE: str(wave)} if wave is not None else {}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def configmap(
    name: str, data: dict[str, str] | None = None, ann: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "annotations": dict(ann or {})},
        "data": dict(data or {"key": "value"}),
    }


def job(
    name: str,
    phase: str,
    *,
    wave: int | None = None,
    policy: str | None = None,
    ann: dict[str, str] | None = None,
) -> dict[str, Any]:
    annotations = {HOOK: phase, **(ann or {})}
    if wave is not None:
        annotations[WAVE] = str(wave)
    if policy is not None:
        annotations[DELETE_POLICY] = policy
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "run", "image": "busybox:1.36"}],
                }
            }
        },
    }


def write_app(folder: Path, docs: Sequence[dict[str, Any]]) -> Path:
    """Write `docs` as one multi-document manifests.yaml in `folder` (replacing it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifests.yaml").write_text(yaml.safe_dump_all(list(docs), sort_keys=False))
    return folder


def gitsync(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the gitsync CLI as a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def sync_cli(
    sim: SimCluster, app: Path | str, *extra: str | Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return gitsync(
        "sync", app, "--kubeconfig", sim.kubeconfig, "--wave-delay", "0", *extra, timeout=timeout
    )


def sync_json(sim: SimCluster, app: Path | str, *extra: str) -> tuple[int, dict[str, Any]]:
    done = sync_cli(sim, app, "-o", "json", *extra)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def app_writes(sim: SimCluster) -> list[RequestRecord]:
    """Non-dry-run writes, without those of gitsync's own state store."""
    return [
        r
        for r in sim.writes()
        if r.namespace != STATE_NAMESPACE
        and not (r.kind == "Namespace" and r.name == STATE_NAMESPACE)
    ]


def write_keys(
    records: Sequence[RequestRecord], *, verbs: Sequence[str] = ("create", "patch", "update")
) -> list[str]:
    """``Kind/ns/name`` of each write with one of `verbs`, in order, repeats collapsed."""
    keys: list[str] = []
    for record in records:
        wanted = record.verb in verbs and record.key and not record.subresource
        if wanted and (not keys or keys[-1] != record.key):
            keys.append(str(record.key))
    return keys


def in_process(sim: SimCluster, app: Path, *, prune: bool = False) -> tuple[Any, Any]:
    """A `SyncRunner` over the real kube layer (HTTP to `sim`) and the request for `app`,
    named like the CLI names it (the folder's name)."""
    from gitsync.model.manifest import Manifest
    from gitsync.sync.kubeport import KubePort
    from gitsync.sync.runner import SyncRequest, SyncRunner
    from gitsync.sync.settings import SyncSettings
    from gitsync.sync.store import OperationStore

    docs = [d for d in yaml.safe_load_all((app / "manifests.yaml").read_text()) if d]
    port = KubePort.from_kubeconfig(str(sim.kubeconfig), None)
    request = SyncRequest(
        app=app.name,
        manifests=[Manifest.from_object(d, f"manifests.yaml#{i}") for i, d in enumerate(docs)],
        revision="local",
        settings=SyncSettings(prune=prune, wave_delay=0),
    )
    return SyncRunner(port, OperationStore(port), poll_interval=0.05), request


def sync_in_process(sim: SimCluster, app: Path, *, prune: bool = False) -> str:
    """Sync `app` without a subprocess (to set up a test's starting point quickly); the
    operation's phase."""
    runner, request = in_process(sim, app, prune=prune)
    return str(runner.run(request, timeout=30).phase)
