"""A small Argo Rollouts controller: blue-green and canary Rollouts (argoproj.io/v1alpha1)
walk their strategy with ReplicaSets named ``<rollout>-<pod hash>``, pause where Argo
Rollouts would, and react to promote / abort / retry written into the Rollout.

What it models (the fields `gitsync.health` and `gitsync rollout` read): status.phase and
message, pauseConditions and controllerPause, currentPodHash, stableRS,
blueGreen.activeSelector / previewSelector, currentStepIndex, abort, promoteFull, replica
counts and conditions. What it leaves out: traffic routing, analysis, experiments, scale
down delays (old ReplicaSets are scaled down at once).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from typing import Any

from gitsync.sim.objects import timestamp

from . import job_actions  # noqa: F401  (Jobs running `gitsync rollout ...` act)
from .base import Controller, ControllerContext, Obj, condition

GROUP = "argoproj.io"
HASH_LABEL = "rollouts-pod-template-hash"
BLUE_GREEN_PAUSE = "BlueGreenPause"
CANARY_PAUSE = "CanaryPauseStep"
_POLL = 0.05  # seconds between looks while a ReplicaSet becomes available


def pod_hash(template: Any) -> str:
    text = json.dumps(template or {}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _replicas(spec: Obj) -> int:
    try:
        return max(int(spec.get("replicas", 1)), 0)
    except (TypeError, ValueError):
        return 1


# Go's time.ParseDuration units, which Argo Rollouts accepts in `pause.duration`.
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)")


def _go_duration(text: str) -> float | None:
    """Seconds of a Go duration string (``1h30m``, ``2.5s``), None when it is not one."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    total, position = 0.0, 0
    while position < len(body):
        match = _GO_DURATION.match(body, position)
        if match is None:
            return None
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        position = match.end()
    if not body:
        return None
    return -total if text.startswith("-") else total


def pause_seconds(duration: Any) -> float | None:
    """``pause: {duration: ...}`` as seconds: an integer is seconds, a string is seconds or a
    Go duration (``10s``, ``1m``); None when the pause waits for a promotion. A value the
    Rollouts controller could not read ends the pause at once, as a zero pause."""
    if duration is None or duration == "":
        return None
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        return float(duration)
    text = str(duration).strip()
    if text.isdigit():
        return float(text)
    seconds = _go_duration(text)
    return max(seconds, 0.0) if seconds is not None else 0.0


class _Step:
    """One pass over one Rollout: reads the store, writes ReplicaSets, Services, status."""

    def __init__(self, owner: RolloutController, ctx: ControllerContext, ro: Obj) -> None:
        self.owner = owner
        self.ctx = ctx
        self.ro = ro
        self.meta = ro["metadata"]
        self.name = str(self.meta["name"])
        self.ns = str(self.meta.get("namespace") or "default")
        self.spec: Obj = ro.get("spec") or {}
        self.old: Obj = ro.get("status") or {}
        self.status: Obj = json.loads(json.dumps(self.old))
        self.hash = pod_hash(self.spec.get("template"))
        self.n = _replicas(self.spec)
        strategy = self.spec.get("strategy") or {}
        self.blue_green: Obj | None = strategy.get("blueGreen")
        canary = strategy.get("canary")
        self.canary: Obj = canary if isinstance(canary, dict) else {}
        self.again: float | None = None

    # -- ReplicaSets -----------------------------------------------------------------------
    def replica_sets(self) -> dict[str, Obj]:
        """This Rollout's ReplicaSets by pod hash."""
        uid = self.meta.get("uid")
        found: dict[str, Obj] = {}
        for stored in self.ctx.api.store.items("apps", "ReplicaSet", self.ns):
            obj = stored.obj
            refs = obj["metadata"].get("ownerReferences") or []
            if any(r.get("uid") == uid for r in refs):
                labels = obj["metadata"].get("labels") or {}
                found[str(labels.get(HASH_LABEL, ""))] = obj
        return found

    def scale(self, pod_hash_: str, replicas: int) -> None:
        rtype = self.ctx.api.registry.by_kind("apps", "ReplicaSet")
        assert rtype is not None
        existing = self.replica_sets().get(pod_hash_)
        if existing is None:
            if pod_hash_ != self.hash:
                return
            self.ctx.api.create(rtype, "v1", self.ns, self._new_rs(replicas), manager="rollouts")
            return
        if (existing.get("spec") or {}).get("replicas") == replicas:
            return

        def change(rs: Obj) -> Obj:
            rs["spec"]["replicas"] = replicas
            return rs

        self.ctx.api.mutate(rtype, self.ns, str(existing["metadata"]["name"]), change)

    def _new_rs(self, replicas: int) -> Obj:
        template = json.loads(json.dumps(self.spec.get("template") or {}))
        tmeta = template.setdefault("metadata", {})
        labels = {**(tmeta.get("labels") or {}), HASH_LABEL: self.hash}
        tmeta["labels"] = labels
        match = dict(((self.spec.get("selector") or {}).get("matchLabels")) or {})
        match[HASH_LABEL] = self.hash
        return {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{self.name}-{self.hash}",
                "namespace": self.ns,
                "labels": labels,
                "ownerReferences": [
                    {
                        "apiVersion": f"{GROUP}/v1alpha1",
                        "kind": "Rollout",
                        "name": self.name,
                        "uid": self.meta.get("uid"),
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": match},
                "template": template,
            },
        }

    def available(self, pod_hash_: str, wanted: int) -> bool:
        rs = self.replica_sets().get(pod_hash_)
        if rs is None:
            return False
        status = rs.get("status") or {}
        if status.get("observedGeneration") != rs["metadata"].get("generation"):
            return False
        return int(status.get("availableReplicas") or 0) >= wanted

    def scale_down_others(self, keep: set[str]) -> None:
        for other in self.replica_sets():
            if other not in keep:
                self.scale(other, 0)

    # -- Services --------------------------------------------------------------------------
    def point_service(self, service: Any, pod_hash_: str) -> None:
        if not service:
            return
        rtype = self.ctx.api.registry.by_kind("", "Service")
        assert rtype is not None

        def change(svc: Obj) -> Obj | None:
            selector = svc.setdefault("spec", {}).setdefault("selector", {}) or {}
            if selector.get(HASH_LABEL) == pod_hash_:
                return None
            svc["spec"]["selector"] = {**selector, HASH_LABEL: pod_hash_}
            return svc

        self.ctx.api.mutate(rtype, self.ns, str(service), change)

    # -- status ----------------------------------------------------------------------------
    def set_phase(self, phase: str, message: str = "") -> None:
        self.status["phase"] = phase
        if message:
            self.status["message"] = message
        else:
            self.status.pop("message", None)

    def pause(self, reason: str) -> None:
        if not self.status.get("pauseConditions"):
            self.status["pauseConditions"] = [{"reason": reason, "startTime": timestamp()}]
        self.status["controllerPause"] = True
        self.set_phase("Paused", reason)

    def clear_pause(self) -> None:
        for key in ("pauseConditions", "controllerPause"):
            self.status.pop(key, None)

    def promoted_from_pause(self) -> bool:
        """The controller paused and someone cleared the pause conditions (promote)."""
        return bool(self.status.get("controllerPause")) and not self.status.get("pauseConditions")

    def finish(self) -> float | None:
        counts = self._counts()
        self.status.update(counts)
        self.status["observedGeneration"] = str(self.meta.get("generation", 1))
        self.status["currentPodHash"] = self.hash
        labels = dict(((self.spec.get("selector") or {}).get("matchLabels")) or {})
        self.status["selector"] = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        self.status["conditions"] = self._conditions(counts)
        self.ctx.write_status(self.ro, self.status)
        return self.again

    def _counts(self) -> Obj:
        """Replica counts as Argo Rollouts reports them: `replicas` over every ReplicaSet,
        `updatedReplicas` of the current one; ready/available of the active ReplicaSet for
        blue-green (of all of them for canary)."""
        total = updated = available = 0
        active = str((self.status.get("blueGreen") or {}).get("activeSelector") or "")
        for pod_hash_, rs in self.replica_sets().items():
            wanted = int((rs.get("spec") or {}).get("replicas") or 0)
            got = min(int((rs.get("status") or {}).get("availableReplicas") or 0), wanted)
            total += wanted
            if self.blue_green is None or pod_hash_ == active:
                available += got
            if pod_hash_ == self.hash:
                updated = wanted
        return {
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": available,
            "availableReplicas": available,
        }

    def _conditions(self, counts: Obj) -> list[Obj]:
        phase = self.status.get("phase")
        if self.status.get("abort"):
            progress = condition(
                "Progressing", "False", "RolloutAborted", str(self.status.get("message", ""))
            )
        elif phase == "Healthy":
            progress = condition("Progressing", "True", "NewReplicaSetAvailable", "done")
        elif phase == "Paused":
            progress = condition("Progressing", "Unknown", "RolloutPaused", "Rollout is paused")
        else:
            progress = condition("Progressing", "True", "ReplicaSetUpdated", "progressing")
        enough = counts["availableReplicas"] >= self.n
        available = condition(
            "Available",
            "True" if enough else "False",
            "AvailableReason",
            "Rollout has minimum availability" if enough else "Rollout is not available",
        )
        paused = condition(
            "Paused", "True" if phase == "Paused" else "False", "RolloutPaused", "Rollout paused"
        )
        return [available, progress, paused]

    def wait(self, seconds: float = _POLL) -> None:
        self.again = seconds if self.again is None else min(self.again, seconds)

    def aborted_message(self) -> str:
        return f"RolloutAborted: Rollout aborted update to revision {self.hash}"

    # -- the walk --------------------------------------------------------------------------
    def run(self) -> float | None:
        if self.status.get("currentPodHash") != self.hash:
            # A new revision starts from scratch: no old pause, step, abort or promotion.
            for key in ("pauseConditions", "controllerPause", "abort", "promoteFull"):
                self.status.pop(key, None)
            if self.blue_green is None:
                self.status["currentStepIndex"] = 0
        if self.blue_green is not None:
            self.blue_green_step(self.blue_green)
        else:
            self.canary_step()
        return self.finish()

    def blue_green_step(self, strategy: Obj) -> None:
        active = strategy.get("activeService")
        preview = strategy.get("previewService")
        stable = str(self.status.get("stableRS") or "")
        block = self.status.setdefault("blueGreen", {})
        if not stable or stable == self.hash:
            # First version, or nothing new: the current version is (becoming) active.
            self.scale(self.hash, self.n)
            self.point_service(active, self.hash)
            self.point_service(preview, self.hash)
            block["activeSelector"] = self.hash
            if preview:
                block["previewSelector"] = self.hash
            self.settle_current()
            return
        if self.status.get("abort"):
            self.scale(self.hash, 0)
            self.scale(stable, self.n)
            self.point_service(active, stable)
            self.point_service(preview, stable)
            block["activeSelector"] = stable
            if preview:
                block["previewSelector"] = stable
            self.clear_pause()
            self.set_phase("Degraded", self.aborted_message())
            return
        preview_count = strategy.get("previewReplicaCount")
        wanted = self.n if preview_count is None else int(preview_count)
        self.scale(self.hash, wanted)
        self.scale(stable, self.n)
        block["activeSelector"] = stable
        if not self.available(self.hash, wanted):
            self.set_phase("Progressing", "waiting for the preview ReplicaSet to become available")
            self.wait()
            return
        self.point_service(preview, self.hash)
        if preview:
            block["previewSelector"] = self.hash
        manual = strategy.get("autoPromotionEnabled") is False
        if self.spec.get("paused"):
            self.set_phase("Paused", "manually paused")
            return
        if not self.status.get("promoteFull") and manual and not self.promoted_from_pause():
            self.pause(BLUE_GREEN_PAUSE)
            return
        # Promotion: the new version becomes active and stable.
        self.scale(self.hash, self.n)
        if not self.available(self.hash, self.n):
            self.set_phase("Progressing", "waiting for the new ReplicaSet to scale up")
            self.wait()
            return
        self.point_service(active, self.hash)
        block["activeSelector"] = self.hash
        self.status["stableRS"] = self.hash
        self.clear_pause()
        self.status.pop("promoteFull", None)
        self.scale_down_others({self.hash})
        self.set_phase("Healthy")

    def settle_current(self) -> None:
        """The current version is the only one: it turns stable once available."""
        self.clear_pause()
        self.status.pop("promoteFull", None)
        if self.available(self.hash, self.n):
            self.status["stableRS"] = self.hash
            self.scale_down_others({self.hash})
            self.set_phase("Healthy")
        else:
            self.set_phase("Progressing", "waiting for the ReplicaSet to become available")
            self.wait()

    def canary_step(self) -> None:
        steps = [s for s in (self.canary.get("steps") or []) if isinstance(s, dict)]
        stable = str(self.status.get("stableRS") or "")
        if not stable or stable == self.hash:
            self.scale(self.hash, self.n)
            self.status["currentStepIndex"] = len(steps)
            self.settle_current()
            return
        if self.status.get("abort"):
            self.scale(self.hash, 0)
            self.scale(stable, self.n)
            self.clear_pause()
            self.set_phase("Degraded", self.aborted_message())
            return
        index = int(self.status.get("currentStepIndex") or 0)
        if self.status.get("promoteFull"):
            index = len(steps)
        index = min(max(index, 0), len(steps))
        while True:
            self.status["currentStepIndex"] = index
            canary_n = self._canary_replicas(steps, index)
            self.scale(self.hash, canary_n)
            self.scale(stable, self.n - canary_n if index < len(steps) else self.n)
            ready = self.available(self.hash, canary_n)
            if not ready:
                self.set_phase("Progressing", "waiting for the canary ReplicaSet")
                self.wait()
                return
            if index >= len(steps):
                break
            if self.spec.get("paused"):
                self.set_phase("Paused", "manually paused")
                return
            step = steps[index]
            if "pause" in step:
                if not self._pause_over(step.get("pause") or {}, index):
                    return
                self.clear_pause()
            index += 1
        self.status["stableRS"] = self.hash
        self.clear_pause()
        self.status.pop("promoteFull", None)
        self.scale_down_others({self.hash})
        self.set_phase("Healthy")

    def _pause_over(self, pause: Obj, index: int) -> bool:
        if self.promoted_from_pause():
            return True
        limit = pause_seconds(pause.get("duration"))
        key = (str(self.meta.get("uid")), self.hash, index)
        started = self.owner.pause_started.setdefault(key, time.monotonic())
        if limit is not None:
            left = limit * self.owner.duration_scale - (time.monotonic() - started)
            if left <= 0:
                return True
            self.wait(left)
        self.pause(CANARY_PAUSE)
        return False

    def _canary_replicas(self, steps: list[Obj], index: int) -> int:
        if index >= len(steps):
            return self.n
        weight = 0
        for step in steps[:index]:
            if "setWeight" in step:
                try:
                    weight = int(step["setWeight"])
                except (TypeError, ValueError):
                    weight = 0
        return min(self.n, math.ceil(self.n * weight / 100))


class RolloutController(Controller):
    """Reconciles Rollouts; a change to one of their ReplicaSets wakes the Rollout."""

    name = "rollout"
    kinds = frozenset({(GROUP, "Rollout"), ("apps", "ReplicaSet")})

    def __init__(self) -> None:
        super().__init__()
        # Tests shorten `pause: {duration}` with a factor below 1.
        self.duration_scale = 1.0
        self.pause_started: dict[tuple[str, str, int], float] = {}

    def forget(self, uid: str) -> None:
        super().forget(uid)
        for key in [k for k in self.pause_started if k[0] == uid]:
            del self.pause_started[key]

    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        if obj.get("kind") == "ReplicaSet":
            owner = _owning_rollout(ctx, obj)
            if owner is None:
                return None
            obj = owner
        if obj["metadata"].get("deletionTimestamp"):
            return None
        return _Step(self, ctx, obj).run()


def _owning_rollout(ctx: ControllerContext, rs: Obj) -> Obj | None:
    for ref in rs["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == "Rollout" and str(ref.get("apiVersion", "")).startswith(GROUP):
            ns = str(rs["metadata"].get("namespace") or "")
            stored = ctx.api.store.get(GROUP, "Rollout", ns, str(ref.get("name")))
            if stored is not None and stored.obj["metadata"].get("uid") == ref.get("uid"):
                return stored.obj
    return None
