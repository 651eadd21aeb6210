"""CustomResourceDefinitions the simulator can install: Argo Rollouts' kinds."""

from __future__ import annotations

from typing import Any

ARGO_ROLLOUTS_KINDS = (
    ("Rollout", "rollouts", "rollout", ["ro"]),
    ("AnalysisRun", "analysisruns", "analysisrun", ["ar"]),
    ("AnalysisTemplate", "analysistemplates", "analysistemplate", ["at"]),
    ("ClusterAnalysisTemplate", "clusteranalysistemplates", "clusteranalysistemplate", ["cat"]),
    ("Experiment", "experiments", "experiment", ["exp"]),
)


def crd(
    group: str,
    kind: str,
    plural: str,
    singular: str,
    short_names: list[str],
    *,
    versions: tuple[str, ...] = ("v1alpha1",),
    namespaced: bool = True,
    status: bool = True,
) -> dict[str, Any]:
    """A CustomResourceDefinition that accepts any object of the kind."""
    entries = []
    for n, version in enumerate(versions):
        entry: dict[str, Any] = {
            "name": version,
            "served": True,
            "storage": n == 0,
            "schema": {
                "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            },
        }
        if status:
            entry["subresources"] = {"status": {}}
        entries.append(entry)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": singular,
                "shortNames": short_names,
            },
            "scope": "Namespaced" if namespaced else "Cluster",
            "versions": entries,
        },
    }


def argo_rollouts_crds() -> list[dict[str, Any]]:
    return [
        crd(
            "argoproj.io",
            kind,
            plural,
            singular,
            short,
            namespaced=kind != "ClusterAnalysisTemplate",
            status=kind in ("Rollout", "AnalysisRun", "Experiment"),
        )
        for kind, plural, singular, short in ARGO_ROLLOUTS_KINDS
    ]
