"""The goTemplate expansion workload, timed; run as a script so that an older checkout
can run it too (``PYTHONPATH=OLD python bench/gotemplate_workload.py``). It uses only
APIs both the old and the new engine have and prints one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "appset"
SYNTHETIC_TEMPLATE: dict[str, Any] = {
    "metadata": {
        "name": "{{ .name | normalize }}",
        "labels": {
            "team": "{{ .team | lower }}",
            "tier": '{{ if eq .tier "gold" }}premium{{ else }}standard{{ end }}',
            "short": "{{ .name | lower | trunc 10 }}",
        },
    },
    "spec": {
        "project": '{{ default "default" .project }}',
        "source": {
            "repoURL": "https://example.com/repo.git",
            "targetRevision": "{{ .revision }}",
            "path": "apps/{{ .team }}/{{ .name | normalize }}",
            "helm": {
                "parameters": [
                    {"name": "replicas", "value": "{{ .replicas }}"},
                    {
                        "name": "zones",
                        "value": "{{ range $i, $z := .zones }}{{ if $i }},{{ end }}"
                        "{{ $z }}{{ end }}",
                    },
                ]
            },
        },
        "destination": {
            "server": "{{ .url }}",
            "namespace": '{{ printf "%s-%s" (lower .team) .env }}',
        },
    },
}


def synthetic_appset(apps: int) -> dict[str, Any]:
    elements = [
        {
            "name": f"Service {i}",
            "team": f"Team{i % 7}",
            "tier": "gold" if i % 3 == 0 else "silver",
            "revision": "main",
            "replicas": i % 5 + 1,
            "zones": ["a", "b", "c"][: i % 3 + 1],
            "url": f"https://cluster-{i % 4}.example.com",
            "env": "prod" if i % 2 else "dev",
        }
        for i in range(apps)
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "synthetic", "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "generators": [{"list": {"elements": elements}}],
            "template": SYNTHETIC_TEMPLATE,
        },
    }


def _clear_caches() -> None:
    for module, name in (
        ("gitsync.gotemplate.engine", "_parse_cached"),
        ("gitsync.appset.gotemplate", "_compiled"),
    ):
        cached = getattr(sys.modules.get(module), name, None)
        if cached is not None:
            cached.cache_clear()


def _time(expand_once: Any, rounds: int) -> tuple[float, float, int]:
    _clear_caches()
    start = time.perf_counter()
    count = len(expand_once())
    cold = time.perf_counter() - start
    warm: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        expand_once()
        warm.append(time.perf_counter() - start)
    warm.sort()
    return cold, warm[len(warm) // 2], count


def measure(apps: int, rounds: int) -> dict[str, Any]:
    from gitsync.appset import clusters_from_documents, expand
    from gitsync.model import ApplicationSet
    from gitsync.source import LocalTree

    results: dict[str, Any] = {}
    cases: list[tuple[str, dict[str, Any], Path]] = [
        (f"synthetic list x{apps}", synthetic_appset(apps), FIXTURES / "none")
    ]
    for path in sorted(FIXTURES.glob("*/appset.yaml")):
        obj = yaml.safe_load(path.read_text())
        if (obj.get("spec") or {}).get("goTemplate") and (path.parent / "expected.yaml").exists():
            cases.append((path.parent.name, obj, path.parent))
    for name, obj, folder in cases:
        appset = ApplicationSet.from_object(obj, source=str(folder / "appset.yaml"))
        clusters_file = folder / "clusters.yaml"
        clusters = (
            clusters_from_documents(yaml.safe_load(clusters_file.read_text()), str(clusters_file))
            if clusters_file.exists()
            else []
        )
        tree = folder / "tree"

        def once(appset: Any = appset, clusters: Any = clusters, tree: Path = tree) -> Any:
            return expand(appset, trees=lambda url, rev: LocalTree(tree), clusters=clusters)

        try:
            cold, warm, count = _time(once, rounds)
        except Exception as err:  # an older engine may not render a newer fixture
            results[name] = {"error": " ".join(str(err).split())[:160]}
            continue
        results[name] = {"apps": count, "cold_s": cold, "warm_s": warm}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.apps, args.rounds)))


if __name__ == "__main__":
    main()
