"""The pure Table builder: content negotiation, built-in printers, CRD printer columns
and Kubernetes' age format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from gitsync.sim.crds import argo_rollouts_crds
from gitsync.sim.tables import build_table, crd_columns, human_duration, table_version

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
KUBECTL_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


def load(text: str) -> Any:
    return yaml.safe_load(text)


def names(table: dict[str, Any]) -> list[str]:
    return [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0]


def cells(table: dict[str, Any], row: int = 0) -> list[Any]:
    """The cells of a row that `kubectl get` shows (priority 0 columns)."""
    shown = [c["priority"] == 0 for c in table["columnDefinitions"]]
    return [v for v, keep in zip(table["rows"][row]["cells"], shown, strict=True) if keep]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (45, "45s"),
        (119, "119s"),
        (120, "2m"),
        (192, "3m12s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (5 * 3600 + 30 * 60, "5h30m"),
        (8 * 3600 + 59 * 60, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (2 * 86400 + 5 * 3600, "2d5h"),
        (10 * 86400 + 5 * 3600, "10d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400 + 40 * 86400, "9y"),
    ],
)
def test_human_duration(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        (KUBECTL_ACCEPT, "v1"),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", "v1beta1"),
        ("application/json, application/json;as=Table;v=v1;g=meta.k8s.io", None),
        (
            "application/json;as=Table;v=v2;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io",
            "v1",
        ),
        ("application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json", None),
        ("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io", None),
        ("application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5,application/json;q=0.9", None),
        ("application/json;q=0,application/json;as=Table;v=v1;g=meta.k8s.io", "v1"),
        ("*/*", None),
        ("", None),
        (None, None),
    ],
)
def test_table_version_honours_the_first_acceptable_entry(
    accept: str | None, version: str | None
) -> None:
    assert table_version(accept) == version


DEPLOYMENT = load("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, creationTimestamp: "2024-05-01T11:56:48Z",
           resourceVersion: "7", labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
      - {name: sidecar, image: "envoy:1"}
status: {replicas: 3, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1}
""")


def test_deployment_table_has_the_real_columns_and_a_partial_object() -> None:
    table = build_table([DEPLOYMENT], "apps", "Deployment", NOW, resource_version="9")
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "9"}
    assert names(table) == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert table["columnDefinitions"][0]["format"] == "name"
    assert cells(table) == ["web", "1/3", 2, 1, "3m12s"]
    wide = table["rows"][0]["cells"][5:]
    assert wide == ["web,sidecar", "nginx:1.25,envoy:1", "app=web"]
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": DEPLOYMENT["metadata"],
    }


def test_include_object_none_and_object_and_v1beta1() -> None:
    full = build_table([DEPLOYMENT], "apps", "Deployment", NOW, include_object="Object")
    assert full["rows"][0]["object"] == DEPLOYMENT
    bare = build_table([DEPLOYMENT], "apps", "Deployment", NOW, include_object="None")
    assert "object" not in bare["rows"][0]
    old = build_table([DEPLOYMENT], "apps", "Deployment", NOW, version="v1beta1")
    assert old["apiVersion"] == "meta.k8s.io/v1beta1"
    assert old["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"
    with pytest.raises(ValueError, match="includeObject"):
        build_table([DEPLOYMENT], "apps", "Deployment", NOW, include_object="Everything")


def test_list_metadata_carries_continue_and_remaining_count() -> None:
    table = build_table(
        [],
        "apps",
        "Deployment",
        NOW,
        resource_version="12",
        continue_token="abc",
        remaining_item_count=4,
    )
    assert table["metadata"] == {
        "resourceVersion": "12",
        "continue": "abc",
        "remainingItemCount": 4,
    }
    assert table["rows"] == []


PODS = load("""
- apiVersion: v1
  kind: Pod
  metadata: {name: running, namespace: default, creationTimestamp: "2024-05-01T11:59:15Z"}
  spec: {containers: [{name: a}, {name: b}], nodeName: node-1}
  status:
    phase: Running
    podIP: 10.0.0.5
    conditions: [{type: Ready, status: "False"}]
    containerStatuses:
    - {name: a, ready: true, restartCount: 0, state: {running: {}}}
    - {name: b, ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}
- apiVersion: v1
  kind: Pod
  metadata: {name: crashing, namespace: default, creationTimestamp: "2024-04-29T10:00:00Z"}
  spec: {containers: [{name: a}]}
  status:
    phase: Running
    containerStatuses:
    - name: a
      ready: false
      restartCount: 3
      state: {waiting: {reason: CrashLoopBackOff}}
      lastState: {terminated: {exitCode: 1, finishedAt: "2024-05-01T11:55:00Z"}}
- apiVersion: v1
  kind: Pod
  metadata: {name: init, namespace: default, creationTimestamp: "2024-05-01T11:00:00Z"}
  spec: {initContainers: [{name: i1}, {name: i2}], containers: [{name: a}]}
  status:
    phase: Pending
    initContainerStatuses:
    - {name: i1, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}
    - {name: i2, restartCount: 0, state: {running: {}}}
    containerStatuses:
    - {name: a, ready: false, restartCount: 0, state: {waiting: {reason: PodInitializing}}}
- apiVersion: v1
  kind: Pod
  metadata: {name: going, namespace: default, creationTimestamp: "2024-05-01T11:00:00Z",
             deletionTimestamp: "2024-05-01T11:59:00Z"}
  spec: {containers: [{name: a}]}
  status:
    phase: Running
    conditions: [{type: Ready, status: "True"}]
    containerStatuses: [{name: a, ready: true, restartCount: 0, state: {running: {}}}]
- apiVersion: v1
  kind: Pod
  metadata: {name: done, namespace: default, creationTimestamp: "2024-05-01T11:00:00Z"}
  spec: {containers: [{name: a}]}
  status:
    phase: Succeeded
    containerStatuses:
    - name: a
      ready: false
      restartCount: 0
      state: {terminated: {exitCode: 0, reason: Completed}}
""")


def test_pod_columns_and_statuses() -> None:
    table = build_table(PODS, "", "Pod", NOW)
    assert names(table) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert [cells(table, i) for i in range(len(PODS))] == [
        ["running", "1/2", "ContainerCreating", "0", "45s"],
        ["crashing", "0/1", "CrashLoopBackOff", "3 (5m ago)", "2d2h"],
        ["init", "0/1", "Init:1/2", "0", "60m"],
        ["going", "1/1", "Terminating", "0", "60m"],
        ["done", "0/1", "Completed", "0", "60m"],
    ]
    assert table["rows"][0]["cells"][5:7] == ["10.0.0.5", "node-1"]


JOBS = load("""
- apiVersion: batch/v1
  kind: Job
  metadata: {name: migrate, namespace: default, creationTimestamp: "2024-05-01T11:00:00Z"}
  spec: {completions: 1, template: {spec: {containers: [{name: run, image: busybox}]}}}
  status:
    succeeded: 1
    startTime: "2024-05-01T11:00:01Z"
    completionTime: "2024-05-01T11:00:43Z"
    conditions: [{type: Complete, status: "True"}]
- apiVersion: batch/v1
  kind: Job
  metadata: {name: batch, namespace: default, creationTimestamp: "2024-05-01T11:50:00Z"}
  spec: {parallelism: 3, template: {spec: {containers: [{name: run, image: busybox}]}}}
  status: {active: 3, startTime: "2024-05-01T11:50:00Z"}
- apiVersion: batch/v1
  kind: Job
  metadata: {name: broken, namespace: default, creationTimestamp: "2024-05-01T11:50:00Z"}
  spec: {template: {spec: {containers: [{name: run, image: busybox}]}}}
  status: {failed: 1, conditions: [{type: Failed, status: "True"}]}
""")


def test_job_status_completions_and_duration() -> None:
    table = build_table(JOBS, "batch", "Job", NOW)
    assert names(table) == ["Name", "Status", "Completions", "Duration", "Age"]
    assert [cells(table, i) for i in range(3)] == [
        ["migrate", "Complete", "1/1", "42s", "60m"],
        ["batch", "Running", "0/1 of 3", "10m", "10m"],
        ["broken", "Failed", "0/1", "", "10m"],
    ]


SERVICES = load("""
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec:
    type: ClusterIP
    clusterIP: 10.96.0.20
    clusterIPs: [10.96.0.20]
    ports: [{port: 80, protocol: TCP}, {port: 53, protocol: UDP}]
    selector: {app: web}
- apiVersion: v1
  kind: Service
  metadata: {name: edge, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {type: LoadBalancer, clusterIP: 10.96.0.21, ports: [{port: 443, nodePort: 31443}]}
- apiVersion: v1
  kind: Service
  metadata: {name: ready-edge, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {type: LoadBalancer, clusterIP: 10.96.0.22, ports: [{port: 443, nodePort: 31444}]}
  status: {loadBalancer: {ingress: [{ip: 172.18.255.1}]}}
- apiVersion: v1
  kind: Service
  metadata: {name: outside, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {type: ExternalName, externalName: db.example.com}
""")


def test_service_columns() -> None:
    table = build_table(SERVICES, "", "Service", NOW)
    assert names(table) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]
    assert [cells(table, i) for i in range(4)] == [
        ["web", "ClusterIP", "10.96.0.20", "<none>", "80/TCP,53/UDP", "60s"],
        ["edge", "LoadBalancer", "10.96.0.21", "<pending>", "443:31443/TCP", "60s"],
        ["ready-edge", "LoadBalancer", "10.96.0.22", "172.18.255.1", "443:31444/TCP", "60s"],
        ["outside", "ExternalName", "<none>", "db.example.com", "<none>", "60s"],
    ]


def test_workload_controllers_columns() -> None:
    replica_set, stateful_set, daemon_set = load("""
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: web-abc, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {replicas: 3}
  status: {replicas: 3, readyReplicas: 2}
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {replicas: 2}
  status: {readyReplicas: 2}
- apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: agent, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {template: {spec: {nodeSelector: {kubernetes.io/os: linux}}}}
  status: {desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2,
           updatedNumberScheduled: 3, numberAvailable: 2}
""")
    rs = build_table([replica_set], "apps", "ReplicaSet", NOW)
    assert names(rs) == ["Name", "Desired", "Current", "Ready", "Age"]
    assert cells(rs) == ["web-abc", 3, 3, 2, "60s"]
    sts = build_table([stateful_set], "apps", "StatefulSet", NOW)
    assert names(sts) == ["Name", "Ready", "Age"] and cells(sts) == ["db", "2/2", "60s"]
    ds = build_table([daemon_set], "apps", "DaemonSet", NOW)
    assert names(ds) == [
        "Name",
        "Desired",
        "Current",
        "Ready",
        "Up-to-date",
        "Available",
        "Node Selector",
        "Age",
    ]
    assert cells(ds) == ["agent", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "60s"]


def test_config_kinds_count_keys_and_never_show_secret_values() -> None:
    config_map, secret, namespace, lease = load("""
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  data: {a: "1", b: "2"}
  binaryData: {c: AAAA}
- apiVersion: v1
  kind: Secret
  metadata: {name: creds, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  type: kubernetes.io/basic-auth
  data: {username: c2VjcmV0LXVzZXI=, password: aHVudGVyMg==}
- apiVersion: v1
  kind: Namespace
  metadata: {name: team-a, creationTimestamp: "2024-05-01T11:59:00Z"}
  status: {phase: Terminating}
- apiVersion: coordination.k8s.io/v1
  kind: Lease
  metadata: {name: leader, namespace: default, creationTimestamp: "2024-05-01T11:59:00Z"}
  spec: {holderIdentity: controller-0}
""")
    cm = build_table([config_map], "", "ConfigMap", NOW)
    assert names(cm) == ["Name", "Data", "Age"] and cells(cm) == ["settings", 3, "60s"]
    table = build_table([secret], "", "Secret", NOW)
    assert names(table) == ["Name", "Type", "Data", "Age"]
    assert cells(table) == ["creds", "kubernetes.io/basic-auth", 2, "60s"]
    assert "aHVudGVyMg==" not in repr(table)
    ns = build_table([namespace], "", "Namespace", NOW)
    assert names(ns) == ["Name", "Status", "Age"] and cells(ns) == ["team-a", "Terminating", "60s"]
    held = build_table([lease], "coordination.k8s.io", "Lease", NOW)
    assert names(held) == ["Name", "Holder", "Age"]
    assert cells(held) == ["leader", "controller-0", "60s"]


def test_kinds_without_a_printer_show_name_and_created_at() -> None:
    role = load("""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: viewer, creationTimestamp: "2024-05-01T11:59:00Z"}
""")
    table = build_table([role], "rbac.authorization.k8s.io", "ClusterRole", NOW)
    assert names(table) == ["Name", "Created At"]
    assert table["columnDefinitions"][1]["type"] == "date"
    assert cells(table) == ["viewer", "2024-05-01T11:59:00Z"]


WIDGET_CRD = load("""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v2
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ratio, type: number, jsonPath: .status.ratio}
    - {name: Enabled, type: boolean, jsonPath: .spec.enabled}
    - {name: Phase, type: string, jsonPath: .status.phase, description: Where it is}
    - {name: First, type: string, jsonPath: ".spec.ports[0].name"}
    - {name: Labels, type: string, jsonPath: .metadata.labels}
    - {name: Started, type: date, jsonPath: .status.startedAt}
    - {name: Host, type: string, jsonPath: .status.host, priority: 1}
  - name: v1
    served: true
    storage: false
""")
WIDGET = load("""
apiVersion: example.com/v2
kind: Widget
metadata:
  {name: w1, namespace: default, labels: {app: w}, creationTimestamp: "2024-05-01T11:00:00Z"}
spec: {size: 4, enabled: true, ports: [{name: http}]}
status: {ratio: 0.5, phase: Ready, startedAt: "2024-05-01T11:58:00Z"}
""")


def test_custom_resource_columns_come_from_the_served_version() -> None:
    columns = crd_columns(WIDGET_CRD, "v2")
    table = build_table([WIDGET], "example.com", "Widget", NOW, crd_columns=columns)
    assert names(table) == [
        "Name",
        "Size",
        "Ratio",
        "Enabled",
        "Phase",
        "First",
        "Labels",
        "Started",
    ]
    definitions = {c["name"]: c for c in table["columnDefinitions"]}
    assert definitions["Phase"]["description"] == "Where it is"
    assert definitions["Host"]["priority"] == 1
    assert definitions["Started"]["type"] == "date"
    assert table["rows"][0]["cells"] == [
        "w1",
        4,
        0.5,
        True,
        "Ready",
        "http",
        '{"app":"w"}',
        "2m",
        None,
    ]


def test_custom_resource_cells_that_do_not_fit_their_type_are_empty() -> None:
    odd = {**WIDGET, "spec": {"size": "big", "enabled": "yes"}, "status": {"startedAt": 5}}
    table = build_table(
        [odd], "example.com", "Widget", NOW, crd_columns=crd_columns(WIDGET_CRD, "v2")
    )
    assert table["rows"][0]["cells"][1:] == [
        None,
        None,
        None,
        None,
        None,
        '{"app":"w"}',
        None,
        None,
    ]


def test_a_version_without_columns_shows_age() -> None:
    columns = crd_columns(WIDGET_CRD, "v1")
    table = build_table([WIDGET], "example.com", "Widget", NOW, crd_columns=columns)
    assert names(table) == ["Name", "Age"]
    assert cells(table) == ["w1", "60m"]


def test_argo_rollouts_crds_carry_rollouts_own_columns() -> None:
    by_kind = {c["spec"]["names"]["kind"]: c for c in argo_rollouts_crds()}
    rollout = load("""
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: shop, namespace: default, creationTimestamp: "2024-05-01T07:00:00Z"}
spec: {replicas: 5}
status: {replicas: 6, updatedReplicas: 2, availableReplicas: 4}
""")
    columns = crd_columns(by_kind["Rollout"], "v1alpha1")
    table = build_table([rollout], "argoproj.io", "Rollout", NOW, crd_columns=columns)
    assert names(table) == ["Name", "Desired", "Current", "Up-to-date", "Available", "Age"]
    assert cells(table) == ["shop", 5, 6, 2, 4, "5h"]
    run_columns = crd_columns(by_kind["AnalysisRun"], "v1alpha1")
    assert [c["name"] for c in run_columns] == ["Status", "Age"]
