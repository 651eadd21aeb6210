"""What every simulated controller shares: the kinds it watches, an on/off switch, and
helpers to read the annotations that steer it and to write status without churn."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitsync.sim.objects import timestamp

if TYPE_CHECKING:
    from gitsync.sim.api import Api

Obj = dict[str, Any]

READY_AFTER = "sim.gitsync.io/ready-after"
FAIL = "sim.gitsync.io/fail"
DURATION = "sim.gitsync.io/duration"
ACTION = "sim.gitsync.io/action"


@dataclass
class ControllerContext:
    """What a simulated controller may use: the API and the default ready delay."""

    api: Api
    ready_delay: float

    def now(self) -> float:
        return time.monotonic()

    def write_status(self, obj: Obj, status: Obj) -> None:
        """Store `status` as the object's status when it changed (conditions keep their
        timestamps when nothing about them changed, so repeated passes write nothing)."""
        old_status = obj.get("status") or {}
        if "conditions" in status:
            status["conditions"] = keep_condition_times(
                old_status.get("conditions") or [], status["conditions"]
            )
        if old_status == status:
            return
        rtype = self.api.registry.by_kind(group_of(obj), str(obj.get("kind")))
        if rtype is None:
            return
        meta = obj["metadata"]
        uid = meta.get("uid")

        def change(current: Obj) -> Obj | None:
            if current["metadata"].get("uid") != uid:
                return None
            current["status"] = status
            return current

        self.api.mutate(rtype, meta.get("namespace"), str(meta["name"]), change)


def group_of(obj: Obj) -> str:
    api_version = str(obj.get("apiVersion") or "")
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def annotations_of(obj: Obj) -> dict[str, str]:
    found = obj.get("metadata", {}).get("annotations")
    return found if isinstance(found, dict) else {}


def seconds(value: Any, default: float) -> float:
    try:
        return max(float(str(value).rstrip("s")), 0.0)
    except (TypeError, ValueError):
        return default


def ready_delay_of(obj: Obj, default: float) -> float:
    return seconds(annotations_of(obj).get(READY_AFTER), default)


def fails(obj: Obj) -> bool:
    return str(annotations_of(obj).get(FAIL, "")).lower() == "true"


def condition(ctype: str, status: str, reason: str, message: str = "") -> Obj:
    now = timestamp()
    cond: Obj = {
        "type": ctype,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
    }
    if message:
        cond["message"] = message
    return cond


def keep_condition_times(old: list[Obj], new: list[Obj]) -> list[Obj]:
    by_type = {c.get("type"): c for c in old if isinstance(c, dict)}
    out: list[Obj] = []
    for cond in new:
        before = by_type.get(cond.get("type"))
        if before is not None:
            same = all(before.get(k) == cond.get(k) for k in ("status", "reason", "message"))
            if same:
                cond = dict(before)
            elif before.get("status") == cond.get("status"):
                cond = {**cond, "lastTransitionTime": before.get("lastTransitionTime")}
        out.append(cond)
    return out


class Controller:
    """Base class. `reconcile` returns seconds until it wants to look again, or None."""

    name = ""
    kinds: frozenset[tuple[str, str]] = frozenset()

    def __init__(self) -> None:
        self.enabled = True
        self._started: dict[str, tuple[Any, float]] = {}

    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        raise NotImplementedError

    def forget(self, uid: str) -> None:
        self._started.pop(uid, None)

    def elapsed(self, ctx: ControllerContext, obj: Obj, version: Any) -> float:
        """Seconds since this controller first saw the object at `version` (e.g. its
        generation): the clock that delays become ready against."""
        uid = str(obj["metadata"].get("uid"))
        started = self._started.get(uid)
        if started is None or started[0] != version:
            started = (version, ctx.now())
            self._started[uid] = started
        return ctx.now() - started[1]
