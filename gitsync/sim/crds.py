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

_AGE = {
    "name": "Age",
    "type": "date",
    "jsonPath": ".metadata.creationTimestamp",
    "description": "Time since resource was created",
}
_PHASE = {"name": "Status", "type": "string", "jsonPath": ".status.phase"}
# the printer columns Argo Rollouts' own CRDs declare, so `kubectl get rollouts` reads the same
ARGO_ROLLOUTS_COLUMNS: dict[str, list[dict[str, str]]] = {
    "Rollout": [
        {"name": "Desired", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Current", "type": "integer", "jsonPath": ".status.replicas"},
        {"name": "Up-to-date", "type": "integer", "jsonPath": ".status.updatedReplicas"},
        {"name": "Available", "type": "integer", "jsonPath": ".status.availableReplicas"},
        _AGE,
    ],
    "AnalysisRun": [{**_PHASE, "description": "AnalysisRun status"}, _AGE],
    "Experiment": [{**_PHASE, "description": "Experiment status"}, _AGE],
    "AnalysisTemplate": [_AGE],
    "ClusterAnalysisTemplate": [_AGE],
}


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
    printer_columns: list[dict[str, str]] | None = None,
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
        if printer_columns:
            entry["additionalPrinterColumns"] = [dict(c) for c in printer_columns]
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
            printer_columns=ARGO_ROLLOUTS_COLUMNS[kind],
        )
        for kind, plural, singular, short in ARGO_ROLLOUTS_KINDS
    ]
