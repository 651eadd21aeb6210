"""Shared by the benchmarks: generated repositories, timing, and the result table/JSON."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Results:
    """One benchmark's figures: rows of (name, value, unit, goal) printed and saved."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, metric: str, value: float | int | str, unit: str = "", goal: str = "") -> None:
        self.rows.append({"metric": metric, "value": value, "unit": unit, "goal": goal})

    def value(self, metric: str) -> Any:
        return next(row["value"] for row in self.rows if row["metric"] == metric)

    def report(self, out_dir: Path = RESULTS) -> Path:
        print(f"\n== {self.name} {json.dumps(self.params)}")
        width = max(len(row["metric"]) for row in self.rows) if self.rows else 10
        for row in self.rows:
            value = row["value"]
            shown = (
                f"{value:,.3f}"
                if isinstance(value, float)
                else f"{value:,}"
                if isinstance(value, int)
                else str(value)
            )
            goal = f"   (goal: {row['goal']})" if row["goal"] else ""
            print(f"  {row['metric']:<{width}}  {shown:>12} {row['unit']:<6}{goal}")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{self.name}.json"
        payload = {
            "name": self.name,
            "params": self.params,
            "machine": machine(),
            "rows": self.rows,
        }
        target.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return target


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block: ``with timer() as t: ...; t["wall"]``."""
    spent: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield spent
    finally:
        spent["wall"] = time.perf_counter() - wall
        spent["cpu"] = time.process_time() - cpu


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# -- generated manifests ----------------------------------------------------------------


def configmap(name: str, namespace: str, app: str, index: int) -> str:
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: bench
data:
  LOG_LEVEL: info
  INDEX: "{index}"
  FEATURE_FLAGS: "alpha,beta,gamma"
  settings.yaml: |
    listen: 0.0.0.0:8080
    upstream: http://{app}-backend:9000
    retries: 3
"""


def service(name: str, namespace: str, app: str) -> str:
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: {app}
spec:
  selector:
    app.kubernetes.io/name: {app}
  ports:
    - name: http
      port: 80
      targetPort: 8080
      protocol: TCP
"""


def deployment(name: str, namespace: str, app: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: {app}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      containers:
        - name: main
          image: registry.example.com/{app}:1.4.2
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
          readinessProbe:
            httpGet:
              path: /readyz
              port: 8080
"""


def service_account(name: str, namespace: str, app: str) -> str:
    return f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/name: {app}
"""


def app_files(app: str, namespace: str, count: int, *, workloads: bool) -> dict[str, str]:
    """`count` one-object files for one app: mostly ConfigMaps, with Services and either
    Deployments (`workloads`) or ServiceAccounts (objects healthy the moment they exist)."""
    files: dict[str, str] = {}
    for index in range(count):
        name = f"{app}-{index:02d}"
        if index % 10 == 1:
            text = service(name, namespace, app)
        elif index % 10 == 2:
            text = (deployment if workloads else service_account)(name, namespace, app)
        else:
            text = configmap(name, namespace, app, index)
        files[f"{name}.yaml"] = text
    return files


def write_files(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def make_repo(
    path: Path, apps: int, per_app: int, *, workloads: bool = True, namespace: str = "bench"
) -> list[str]:
    """A Git repository of `apps` directories ``apps/app-NNNN`` with `per_app` files each,
    committed with the git CLI (fast for tens of thousands of files). Returns the paths."""
    paths = []
    for number in range(apps):
        app = f"app-{number:04d}"
        write_files(path / "apps" / app, app_files(app, namespace, per_app, workloads=workloads))
        paths.append(f"apps/{app}")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(
        path,
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@gitsync.invalid",
        "commit",
        "-q",
        "-m",
        "bench apps",
    )
    return paths


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout


def gitsync_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`gitsync ARGS` as a user runs it (a fresh interpreter)."""
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_main(main: Callable[[list[str] | None], Results]) -> None:
    main(None)
