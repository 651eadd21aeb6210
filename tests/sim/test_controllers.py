"""Simulated controllers: workloads become ready, Jobs complete or fail, and so on."""

from __future__ import annotations

import time
from typing import Any

from gitsync.sim import SimCluster, register_job_action
from gitsync.sim.controllers import ControllerContext

from .objects import deployment, job
from .waiting import wait_for


def _condition(obj: dict[str, Any] | None, ctype: str) -> dict[str, Any] | None:
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond["type"] == ctype:
            return dict(cond)
    return None


def test_deployment_becomes_ready_within_milliseconds(sim: SimCluster) -> None:
    started = time.monotonic()
    sim.apply(deployment("web", replicas=3))

    def ready() -> dict[str, Any] | None:
        obj = sim.get_object("apps/v1", "Deployment", "default", "web")
        return obj if obj and (obj.get("status") or {}).get("readyReplicas") == 3 else None

    obj = wait_for(ready)
    assert time.monotonic() - started < 0.5
    status = obj["status"]
    assert status["observedGeneration"] == 1
    assert status["updatedReplicas"] == status["availableReplicas"] == 3
    progressing = _condition(obj, "Progressing")
    assert progressing and progressing["reason"] == "NewReplicaSetAvailable"


def test_ready_after_annotation_delays_readiness(sim: SimCluster) -> None:
    applied = time.monotonic()
    sim.apply(deployment("slow", annotations={"sim.gitsync.io/ready-after": "1.0"}))

    def status() -> dict[str, Any]:
        found = sim.get_object("apps/v1", "Deployment", "default", "slow") or {}
        return dict(found.get("status") or {})

    # The controller has looked (observedGeneration) and holds readiness back ...
    early = wait_for(lambda: status() if status().get("observedGeneration") == 1 else None)
    assert not early.get("readyReplicas")
    # ... until the delay has passed.
    wait_for(lambda: status().get("readyReplicas"))
    assert time.monotonic() - applied >= 1.0


def test_failing_deployment_exceeds_its_progress_deadline(sim: SimCluster) -> None:
    sim.apply(deployment("bad", annotations={"sim.gitsync.io/fail": "true"}))

    def stalled() -> dict[str, Any] | None:
        cond = _condition(sim.get_object("apps/v1", "Deployment", "default", "bad"), "Progressing")
        return cond if cond and cond["reason"] == "ProgressDeadlineExceeded" else None

    assert wait_for(stalled)["status"] == "False"


def test_switched_off_controller_leaves_status_alone(sim: SimCluster) -> None:
    sim.controllers.deployment.enabled = False
    sim.apply(deployment("idle"))
    # The controllers handle events in order: once a later Job is done, the Deployment's
    # event has been handled too.
    sim.apply(job("marker"))
    wait_for(lambda: _condition(sim.get_object("batch/v1", "Job", "default", "marker"), "Complete"))
    assert not (sim.get_object("apps/v1", "Deployment", "default", "idle") or {}).get("status")


def test_job_completes_or_fails(sim: SimCluster) -> None:
    sim.apply(job("ok"))
    sim.apply(job("broken", **{"sim.gitsync.io/fail": "true"}))
    done = wait_for(
        lambda: _condition(sim.get_object("batch/v1", "Job", "default", "ok"), "Complete")
    )
    assert done["status"] == "True"
    assert sim.get_object("batch/v1", "Job", "default", "ok")["status"]["succeeded"] == 1  # type: ignore[index]
    failed = wait_for(
        lambda: _condition(sim.get_object("batch/v1", "Job", "default", "broken"), "Failed")
    )
    assert failed["reason"] == "BackoffLimitExceeded"


def test_job_duration_and_action(sim: SimCluster) -> None:
    calls: list[str] = []

    def record(ctx: ControllerContext, obj: dict[str, Any]) -> bool:
        calls.append(obj["metadata"]["name"])
        return True

    register_job_action("test-record", record)
    started = time.monotonic()
    sim.apply(
        job("act", **{"sim.gitsync.io/duration": "0.2", "sim.gitsync.io/action": "test-record"})
    )
    running = sim.get_object("batch/v1", "Job", "default", "act")
    wait_for(lambda: _condition(sim.get_object("batch/v1", "Job", "default", "act"), "Complete"))
    assert time.monotonic() - started >= 0.2
    assert calls == ["act"]
    assert running is not None
    sim.apply(job("unknown-action", **{"sim.gitsync.io/action": "no-such-action"}))
    wait_for(
        lambda: _condition(sim.get_object("batch/v1", "Job", "default", "unknown-action"), "Failed")
    )


def test_other_controllers(sim: SimCluster) -> None:
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "lb", "namespace": "default"},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
        }
    )
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
    )
    sts = deployment("db", replicas=2)
    sts["kind"] = "StatefulSet"
    sts["spec"]["serviceName"] = "db"
    sim.apply(sts)
    ds = deployment("agent")
    ds["kind"] = "DaemonSet"
    sim.apply(ds)
    wait_for(
        lambda: (
            (sim.get_object("v1", "Service", "default", "lb") or {})
            .get("status", {})
            .get("loadBalancer", {})
            .get("ingress")
        )
    )
    wait_for(
        lambda: (
            (sim.get_object("v1", "PersistentVolumeClaim", "default", "data") or {})
            .get("status", {})
            .get("phase")
            == "Bound"
        )
    )
    sts_status = wait_for(
        lambda: (sim.get_object("apps/v1", "StatefulSet", "default", "db") or {}).get("status")
    )
    assert sts_status["readyReplicas"] == 2
    assert sts_status["currentRevision"] == sts_status["updateRevision"]
    ds_status = wait_for(
        lambda: (sim.get_object("apps/v1", "DaemonSet", "default", "agent") or {}).get("status")
    )
    assert ds_status["numberReady"] == ds_status["desiredNumberScheduled"] == 1


def test_status_changes_reach_watchers(sim: SimCluster, sim_client: Any) -> None:
    deploys = sim_client.resources.get(api_version="apps/v1", kind="Deployment")
    version = deploys.get(namespace="default").metadata.resourceVersion
    sim.apply(deployment("watched"))
    types = []
    for event in deploys.watch(namespace="default", resource_version=version, timeout=2):
        types.append(event["type"])
        if (event["object"].status or {}).get("readyReplicas"):
            break
    assert types[0] == "ADDED" and "MODIFIED" in types
