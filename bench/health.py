"""Health of N live objects with Lua scripts loaded: the cost per object of a Lua script
beside a built-in check, the conditions fallback and a kind without health.

    python -m bench.health [--objects 20000] [--scripts 240]

A quarter each: Deployments (built-in check), Certificates judged by a Lua script (from a
directory of `--scripts` scripts in Argo CD's layout, as many kinds as Argo CD's own
catalogue), Widgets with conditions and no check (the fallback), ConfigMaps (no health).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Results, timer
from gitsync.health import decide, load_directory, use_lua_scripts
from gitsync.health.lua_runtime import LuaRuntime

CERTIFICATE_SCRIPT = """\
local health = {status = "Progressing", message = "waiting for the certificate"}
if obj.status == nil or obj.status.conditions == nil then
  return health
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    if condition.status == "True" then
      health.status = "Healthy"
    elseif condition.status == "False" and condition.reason ~= "InProgress" then
      health.status = "Degraded"
    end
    health.message = condition.message or ""
  end
end
return health
"""
FILLER_SCRIPT = 'return {status = "Healthy", message = "filler"}\n'


def _meta(name: str, number: int) -> dict[str, Any]:
    return {
        "name": f"{name}-{number}",
        "namespace": f"team-{number % 50}",
        "uid": f"00000000-0000-0000-0000-{number:012d}",
        "resourceVersion": str(1000 + number),
        "generation": 2,
        "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": f"i{number}"},
        "annotations": {"argocd.argoproj.io/tracking-id": f"app:{name}/{number}"},
    }


def deployment(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta("web", number),
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}},
        },
        "status": {
            "observedGeneration": 2,
            "replicas": 3,
            "updatedReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }


def _conditions(number: int) -> list[dict[str, Any]]:
    ready = "True" if number % 3 else "False"
    return [
        {"type": "Issuing", "status": "False", "reason": "Done"},
        {"type": "Ready", "status": ready, "reason": "Ready", "message": "up to date"},
    ]


def certificate(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": _meta("tls", number),
        "spec": {"secretName": f"tls-{number}", "dnsNames": [f"s{number}.example.com"]},
        "status": {"conditions": _conditions(number), "revision": 4},
    }


def widget(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": _meta("gear", number),
        "spec": {"size": number % 7},
        "status": {"observedGeneration": 2, "conditions": _conditions(number)},
    }


def configmap(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("settings", number),
        "data": {"key": "value"},
    }


MAKERS: dict[str, Callable[[int], dict[str, Any]]] = {
    "builtin (Deployment)": deployment,
    "lua (Certificate)": certificate,
    "conditions (Widget)": widget,
    "none (ConfigMap)": configmap,
}
GOALS = {
    "builtin (Deployment)": "",
    "lua (Certificate)": "under 100 us",
    "conditions (Widget)": "under 20 us",
    "none (ConfigMap)": "under 10 us",
}


def write_scripts(root: Path, count: int) -> None:
    path = root / "cert-manager.io" / "Certificate" / "health.lua"
    path.parent.mkdir(parents=True)
    path.write_text(CERTIFICATE_SCRIPT, encoding="utf-8")
    for index in range(count - 1):
        filler = root / f"group{index}.example.org" / f"Kind{index}" / "health.lua"
        filler.parent.mkdir(parents=True)
        filler.write_text(FILLER_SCRIPT, encoding="utf-8")


def _stop_time(source: str) -> float:
    """Milliseconds until a runaway script is stopped (default bounds)."""
    lua = LuaRuntime()
    compiled = lua.compile(source, "runaway.lua")
    started = time.perf_counter()
    health = lua.evaluate(compiled, {"kind": "Widget"})
    assert str(health.status) == "Unknown", health
    return (time.perf_counter() - started) * 1000


def run(objects: int, scripts: int, work: Path) -> Results:
    results = Results("health", {"objects": objects, "scripts": scripts})
    root = work / "resource_customizations"
    write_scripts(root, scripts)
    with timer() as loading:
        use_lua_scripts("directory", load_directory(root))
    results.add("load + compile scripts", loading["wall"] * 1000, "ms")
    per_kind = max(objects // len(MAKERS), 1)
    batches = {label: [make(n) for n in range(per_kind)] for label, make in MAKERS.items()}
    try:
        total = 0.0
        cost: dict[str, float] = {}
        for label, batch in batches.items():
            expected = label.split(" ")[0]
            rounds = []
            for _ in range(3):
                with timer() as spent:
                    sources = {decide(obj).source.split(":")[0] for obj in batch}
                assert sources == {expected}, (label, sources)
                rounds.append(spent["wall"])
            median = statistics.median(rounds)
            total += median
            cost[label] = median / len(batch) * 1e6
            results.add(f"{label}, per object", cost[label], "us", GOALS[label])
        ratio = cost["lua (Certificate)"] / cost["builtin (Deployment)"]
        results.add("Lua script / built-in check", ratio, "x", "under 5x")
        results.add(
            f"all {per_kind * len(MAKERS):,} objects", total, "s", "under 1 s for 20,000 objects"
        )
    finally:
        use_lua_scripts("directory", None)
    results.add("endless loop stopped after", _stop_time("while true do end"), "ms", "under 100 ms")
    bomb = 'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end'
    results.add("allocation bomb stopped after", _stop_time(bomb), "ms", "under 1,000 ms")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--scripts", type=int, default=240)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsync-bench-") as tmp:
        results = run(args.objects, args.scripts, Path(tmp))
    results.report()
    return results


if __name__ == "__main__":
    main()
