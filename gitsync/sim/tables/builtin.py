"""Columns and cells of the built-in kinds, as a real API server's printers produce them
for `kubectl get` (the priority-1 columns are the ones `-o wide` adds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .durations import between, since

Obj = dict[str, Any]
Cells = list[Any]

NAME_DOC = "Name must be unique within a namespace."
AGE_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was created."
)
CONTAINERS_DOC = "Names of each container in the template."
IMAGES_DOC = "Images referenced by each container in the template."
SELECTOR_DOC = "The label selector of the object."
LOAD_BALANCER_WIDTH = 16


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a server-side Table, as kubectl prints it."""

    name: str
    type: str = "string"
    priority: int = 0
    description: str = ""
    format: str = ""

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description=NAME_DOC)
AGE = Column("Age", description=AGE_DOC)


@dataclass(frozen=True, slots=True)
class Printer:
    """The columns of one kind's Table and how to fill a row from an object."""

    columns: tuple[Column, ...]
    cells: Callable[[Obj, datetime], Cells]


def _d(obj: Obj, *path: str) -> Any:
    """The value at a path of dict keys, None when any step is missing."""
    value: Any = obj
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _name(obj: Obj) -> str:
    return str(_d(obj, "metadata", "name") or "")


def _age(obj: Obj, now: datetime) -> str:
    return since(_d(obj, "metadata", "creationTimestamp"), now)


def _template_containers(obj: Obj) -> list[Obj]:
    containers = _d(obj, "spec", "template", "spec", "containers")
    return [c for c in containers if isinstance(c, dict)] if isinstance(containers, list) else []


def _wide(obj: Obj, selector: bool = True) -> Cells:
    containers = _template_containers(obj)
    cells: Cells = [
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    ]
    if selector:
        cells.append(_selector(_d(obj, "spec", "selector")))
    return cells


def _selector(selector: Any) -> str:
    """A label selector printed as kubectl prints it (`app=web,tier in (a,b)`)."""
    if not isinstance(selector, dict):
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            continue
        key, op = expr.get("key"), str(expr.get("operator", ""))
        values = ",".join(sorted(str(v) for v in expr.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) if parts else "<none>"


def _labels(labels: Any) -> str:
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


# -- workloads ----------------------------------------------------------------------------
def _pod_cells(obj: Obj, now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    total = len(spec.get("containers") or [])
    ready = 0
    restarts = 0
    last_restart: str | None = None
    reason = str(status.get("reason") or status.get("phase") or "")
    conditions = status.get("conditions") or []
    if _has_condition(conditions, "PodScheduled", "False", "SchedulingGated"):
        reason = "SchedulingGated"
    init_statuses = status.get("initContainerStatuses") or []
    init_count = len(spec.get("initContainers") or [])
    initializing = False
    for index, init in enumerate(init_statuses):
        restarts += _int(init.get("restartCount"))
        last_restart = _later(last_restart, _d(init, "lastState", "terminated", "finishedAt"))
        state = init.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if isinstance(terminated, dict) and _int(terminated.get("exitCode")) == 0:
            continue
        if isinstance(terminated, dict):
            if terminated.get("reason"):
                reason = f"Init:{terminated['reason']}"
            elif _int(terminated.get("signal")):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{_int(terminated.get('exitCode'))}"
        elif isinstance(waiting, dict) and waiting.get("reason") not in (
            None,
            "",
            "PodInitializing",
        ):
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{init_count}"
        initializing = True
        break
    if not initializing or _has_condition(conditions, "Initialized", "True"):
        restarts = 0
        running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += _int(container.get("restartCount"))
            last_restart = _later(
                last_restart, _d(container, "lastState", "terminated", "finishedAt")
            )
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if isinstance(waiting, dict) and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(terminated, dict) and terminated.get("reason"):
                reason = str(terminated["reason"])
            elif isinstance(terminated, dict):
                signal = _int(terminated.get("signal"))
                code = _int(terminated.get("exitCode"))
                reason = f"Signal:{signal}" if signal else f"ExitCode:{code}"
            elif container.get("ready") and isinstance(state.get("running"), dict):
                running = True
                ready += 1
        if reason == "Completed" and running:
            reason = "Running" if _has_condition(conditions, "Ready", "True") else "NotReady"
    phase = status.get("phase")
    if _d(obj, "metadata", "deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    shown = str(restarts)
    if restarts and last_restart:
        shown = f"{restarts} ({since(last_restart, now)} ago)"
    ips = [str(p.get("ip")) for p in status.get("podIPs") or [] if isinstance(p, dict)]
    pod_ip = ips[0] if ips else str(status.get("podIP") or "<none>")
    gates = spec.get("readinessGates") or []
    gate_cell = "<none>"
    if gates:
        true = sum(
            1
            for g in gates
            if isinstance(g, dict) and _has_condition(conditions, g.get("conditionType"), "True")
        )
        gate_cell = f"{true}/{len(gates)}"
    return [
        _name(obj),
        f"{ready}/{total}",
        reason,
        shown,
        _age(obj, now),
        pod_ip,
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gate_cell,
    ]


def _has_condition(conditions: Any, kind: Any, status: str, reason: str | None = None) -> bool:
    for c in conditions if isinstance(conditions, list) else []:
        matches = isinstance(c, dict) and c.get("type") == kind and c.get("status") == status
        if matches and (reason is None or c.get("reason") == reason):
            return True
    return False


def _later(current: str | None, candidate: Any) -> str | None:
    if not isinstance(candidate, str) or not candidate:
        return current
    return candidate if current is None or candidate > current else current


def _deployment_cells(obj: Obj, now: datetime) -> Cells:
    status = obj.get("status") or {}
    desired = _int(_d(obj, "spec", "replicas"), 1)
    ready = _int(status.get("readyReplicas"))
    return [
        _name(obj),
        f"{ready}/{desired}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        _age(obj, now),
        *_wide(obj),
    ]


def _replica_set_cells(obj: Obj, now: datetime) -> Cells:
    status = obj.get("status") or {}
    return [
        _name(obj),
        _int(_d(obj, "spec", "replicas"), 1),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        _age(obj, now),
        *_wide(obj),
    ]


def _stateful_set_cells(obj: Obj, now: datetime) -> Cells:
    desired = _int(_d(obj, "spec", "replicas"), 1)
    ready = _int(_d(obj, "status", "readyReplicas"))
    return [_name(obj), f"{ready}/{desired}", _age(obj, now), *_wide(obj, selector=False)]


def _daemon_set_cells(obj: Obj, now: datetime) -> Cells:
    status = obj.get("status") or {}
    return [
        _name(obj),
        _int(status.get("desiredNumberScheduled")),
        _int(status.get("currentNumberScheduled")),
        _int(status.get("numberReady")),
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("numberAvailable")),
        _labels(_d(obj, "spec", "template", "spec", "nodeSelector")),
        _age(obj, now),
        *_wide(obj),
    ]


def _job_status(obj: Obj) -> str:
    conditions = _d(obj, "status", "conditions")
    for kind, shown in (("Complete", "Complete"), ("Failed", "Failed")):
        if _has_condition(conditions, kind, "True"):
            return shown
    if _d(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _has_condition(conditions, kind, "True"):
            return kind
    return "Running"


def _job_cells(obj: Obj, now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = _int(status.get("succeeded"))
    completions = spec.get("completions")
    parallelism = spec.get("parallelism")
    if isinstance(completions, int):
        shown = f"{succeeded}/{completions}"
    elif isinstance(parallelism, int) and parallelism > 1:
        shown = f"{succeeded}/1 of {parallelism}"
    else:
        shown = f"{succeeded}/1"
    started, completed = status.get("startTime"), status.get("completionTime")
    if not started:
        duration = ""
    elif not completed:
        duration = since(started, now)
    else:
        duration = between(started, completed)
    return [_name(obj), _job_status(obj), shown, duration, _age(obj, now), *_wide(obj)]


def _cron_job_cells(obj: Obj, now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    last = status.get("lastScheduleTime")
    template = {"spec": _d(spec, "jobTemplate", "spec") or {}}
    return [
        _name(obj),
        str(spec.get("schedule") or ""),
        str(spec.get("timeZone") or "<none>"),
        bool(spec.get("suspend")),
        len(status.get("active") or []),
        since(last, now) if last else "<none>",
        _age(obj, now),
        *_wide(template),
    ]


# -- networking and configuration -----------------------------------------------------------
def _service_cells(obj: Obj, now: datetime) -> Cells:
    spec = obj.get("spec") or {}
    kind = str(spec.get("type") or "ClusterIP")
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = []
    for port in spec.get("ports") or []:
        if not isinstance(port, dict):
            continue
        protocol = port.get("protocol") or "TCP"
        node_port = _int(port.get("nodePort"))
        middle = f":{node_port}" if node_port else ""
        ports.append(f"{port.get('port')}{middle}/{protocol}")
    selector = spec.get("selector")
    return [
        _name(obj),
        kind,
        str(cluster_ips[0]) if cluster_ips else "<none>",
        _external_ip(obj, kind),
        ",".join(ports) or "<none>",
        _age(obj, now),
        _labels(selector) if selector else "<none>",
    ]


def _external_ip(obj: Obj, kind: str) -> str:
    spec = obj.get("spec") or {}
    external = [str(ip) for ip in spec.get("externalIPs") or []]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = _d(obj, "status", "loadBalancer", "ingress") or []
        found = [
            str(i.get("ip") or i.get("hostname"))
            for i in ingress
            if isinstance(i, dict) and (i.get("ip") or i.get("hostname"))
        ]
        balancers = ",".join(found)
        if len(balancers) > LOAD_BALANCER_WIDTH:
            balancers = balancers[: LOAD_BALANCER_WIDTH - 3] + "..."
        if external:
            return ",".join(([balancers] if balancers else []) + external)
        return balancers or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def _config_map_cells(obj: Obj, now: datetime) -> Cells:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_name(obj), count, _age(obj, now)]


def _secret_cells(obj: Obj, now: datetime) -> Cells:
    # only how many keys, never a value
    count = len(obj.get("data") or {}) + len(obj.get("stringData") or {})
    return [_name(obj), str(obj.get("type") or "Opaque"), count, _age(obj, now)]


def _namespace_cells(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), str(_d(obj, "status", "phase") or "Active"), _age(obj, now)]


def _lease_cells(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), str(_d(obj, "spec", "holderIdentity") or ""), _age(obj, now)]


def _service_account_cells(obj: Obj, now: datetime) -> Cells:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


def _wide_columns(selector: bool = True) -> tuple[Column, ...]:
    wide = (
        Column("Containers", priority=1, description=CONTAINERS_DOC),
        Column("Images", priority=1, description=IMAGES_DOC),
    )
    return wide + ((Column("Selector", priority=1, description=SELECTOR_DOC),) if selector else ())


PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Pod"): Printer(
        (
            NAME,
            Column("Ready", description="The aggregate readiness state of this pod."),
            Column("Status", description="The aggregate status of the containers in this pod."),
            Column("Restarts", description="How often the containers have been restarted."),
            AGE,
            Column("IP", priority=1, description="The pod's IP address."),
            Column("Node", priority=1, description="The node the pod is scheduled to."),
            Column("Nominated Node", priority=1, description="The node nominated to run it."),
            Column("Readiness Gates", priority=1, description="Readiness gates that are true."),
        ),
        _pod_cells,
    ),
    ("apps", "Deployment"): Printer(
        (
            NAME,
            Column("Ready", description="Ready pods out of the desired replicas."),
            Column("Up-to-date", "integer", description="Pods with the desired template."),
            Column("Available", "integer", description="Pods available to serve."),
            AGE,
            *_wide_columns(),
        ),
        _deployment_cells,
    ),
    ("apps", "ReplicaSet"): Printer(
        (
            NAME,
            Column("Desired", "integer", description="The desired number of replicas."),
            Column("Current", "integer", description="The most recently observed replicas."),
            Column("Ready", "integer", description="The number of ready replicas."),
            AGE,
            *_wide_columns(),
        ),
        _replica_set_cells,
    ),
    ("apps", "StatefulSet"): Printer(
        (
            NAME,
            Column("Ready", description="Ready pods out of the desired replicas."),
            AGE,
            *_wide_columns(selector=False),
        ),
        _stateful_set_cells,
    ),
    ("apps", "DaemonSet"): Printer(
        (
            NAME,
            Column("Desired", "integer", description="Nodes that should run the pod."),
            Column("Current", "integer", description="Nodes running at least one pod."),
            Column("Ready", "integer", description="Nodes with a ready pod."),
            Column("Up-to-date", "integer", description="Nodes running the updated pod."),
            Column("Available", "integer", description="Nodes with an available pod."),
            Column("Node Selector", description="The pod template's node selector."),
            AGE,
            *_wide_columns(),
        ),
        _daemon_set_cells,
    ),
    ("batch", "Job"): Printer(
        (
            NAME,
            Column("Status", description="Status of the job."),
            Column("Completions", description="Succeeded pods out of the completions wanted."),
            Column("Duration", description="Time required to complete the job."),
            AGE,
            *_wide_columns(),
        ),
        _job_cells,
    ),
    ("batch", "CronJob"): Printer(
        (
            NAME,
            Column("Schedule", description="The schedule in Cron format."),
            Column("Timezone", description="The time zone of the schedule."),
            Column("Suspend", "boolean", description="Whether scheduling is suspended."),
            Column("Active", "integer", description="Jobs running now."),
            Column("Last Schedule", description="When a job was last scheduled."),
            AGE,
            *_wide_columns(),
        ),
        _cron_job_cells,
    ),
    ("", "Service"): Printer(
        (
            NAME,
            Column("Type", description="How the service is exposed."),
            Column("Cluster-IP", description="The IP address of the service."),
            Column("External-IP", description="Addresses reachable from outside the cluster."),
            Column("Port(s)", description="The ports the service exposes."),
            AGE,
            Column("Selector", priority=1, description="The pods the service routes to."),
        ),
        _service_cells,
    ),
    ("", "ConfigMap"): Printer(
        (NAME, Column("Data", "integer", description="Number of data keys."), AGE),
        _config_map_cells,
    ),
    ("", "Secret"): Printer(
        (
            NAME,
            Column("Type", description="Used to facilitate programmatic handling of secrets."),
            Column("Data", "integer", description="Number of data keys."),
            AGE,
        ),
        _secret_cells,
    ),
    ("", "Namespace"): Printer(
        (NAME, Column("Status", description="The status of the namespace"), AGE),
        _namespace_cells,
    ),
    ("", "ServiceAccount"): Printer(
        (NAME, Column("Secrets", "integer", description="Secrets of the account."), AGE),
        _service_account_cells,
    ),
    ("coordination.k8s.io", "Lease"): Printer(
        (NAME, Column("Holder", description="The holder of the lease."), AGE),
        _lease_cells,
    ),
}
