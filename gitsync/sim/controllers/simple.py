"""Small controllers: LoadBalancer Services get an address, PVCs bind, Pods run."""

from __future__ import annotations

import zlib

from gitsync.sim.objects import timestamp

from .base import Controller, ControllerContext, Obj, fails, ready_delay_of


class LoadBalancerController(Controller):
    """LoadBalancer Services get an ingress IP after the ready delay."""

    name = "service"
    kinds = frozenset({("", "Service")})

    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        if obj.get("spec", {}).get("type") != "LoadBalancer" or fails(obj):
            return None
        delay = ready_delay_of(obj, ctx.ready_delay)
        elapsed = self.elapsed(ctx, obj, "lb")
        if elapsed < delay:
            return delay - elapsed
        n = zlib.crc32(str(obj["metadata"].get("uid")).encode()) % 250 + 1
        status = dict(obj.get("status") or {})
        status["loadBalancer"] = {"ingress": [{"ip": f"172.18.255.{n}", "ipMode": "VIP"}]}
        ctx.write_status(obj, status)
        return None


class PersistentVolumeClaimController(Controller):
    """PersistentVolumeClaims become Bound after the ready delay."""

    name = "pvc"
    kinds = frozenset({("", "PersistentVolumeClaim")})

    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        if fails(obj):
            return None
        delay = ready_delay_of(obj, ctx.ready_delay)
        elapsed = self.elapsed(ctx, obj, "bind")
        if elapsed < delay:
            return delay - elapsed
        spec = obj.get("spec") or {}
        status: Obj = {
            "phase": "Bound",
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "capacity": (spec.get("resources") or {}).get("requests") or {"storage": "1Gi"},
        }
        ctx.write_status(obj, status)
        return None


class PodController(Controller):
    """Pods become Running and Ready after the ready delay."""

    name = "pod"
    kinds = frozenset({("", "Pod")})

    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return None
        delay = ready_delay_of(obj, ctx.ready_delay)
        elapsed = self.elapsed(ctx, obj, "run")
        containers = obj.get("spec", {}).get("containers") or []
        started = (obj.get("status") or {}).get("startTime") or timestamp()
        ready = elapsed >= delay and not fails(obj)
        statuses = []
        for container in containers:
            entry: Obj = {
                "name": container.get("name"),
                "image": container.get("image"),
                "ready": ready,
                "restartCount": 0,
                "started": ready,
            }
            if ready:
                entry["state"] = {"running": {"startedAt": started}}
            elif fails(obj) and elapsed >= delay:
                entry["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
            else:
                entry["state"] = {"waiting": {"reason": "ContainerCreating"}}
            statuses.append(entry)
        flag = "True" if ready else "False"
        conditions = [
            {"type": t, "status": s, "lastTransitionTime": started}
            for t, s in (
                ("PodScheduled", "True"),
                ("Initialized", "True"),
                ("ContainersReady", flag),
                ("Ready", flag),
            )
        ]
        status: Obj = {
            "phase": "Running" if elapsed >= delay else "Pending",
            "conditions": conditions,
            "containerStatuses": statuses,
            "hostIP": "172.18.0.2",
            "podIP": "10.244.0.10",
            "startTime": started,
            "qosClass": "BestEffort",
        }
        ctx.write_status(obj, status)
        return None if elapsed >= delay else delay - elapsed
