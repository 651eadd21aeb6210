"""Fixture cases: tests/fixtures/appset/<case>/appset.yaml with expected.yaml (the
Applications, sorted by name) or error.txt (the start of the one-line error), plus
optional clusters.yaml, tree/ (the repository every git generator reads) and
resources.yaml (the ConfigMaps, Secrets and duck-typed resources generators may read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.appset import ClusterRecord, TreeProvider, clusters_from_documents, expand
from gitsync.appset.context import GeneratorEnv
from gitsync.appset.resources import DocumentResources
from gitsync.model import Application, ApplicationSet
from gitsync.source import LocalTree
from gitsync.source.tree import Tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "appset"


def case_names(kind: str) -> list[str]:
    marker = "error.txt" if kind == "error" else "expected.yaml"
    return sorted(p.parent.name for p in FIXTURES.glob(f"*/{marker}"))


def load_appset(case: str) -> ApplicationSet:
    path = FIXTURES / case / "appset.yaml"
    return ApplicationSet.from_object(yaml.safe_load(path.read_text()), source=str(path))


def load_clusters(case: str) -> list[ClusterRecord]:
    path = FIXTURES / case / "clusters.yaml"
    if not path.exists():
        return []
    return clusters_from_documents(yaml.safe_load(path.read_text()), str(path))


def tree_provider(case: str) -> TreeProvider:
    root = FIXTURES / case / "tree"

    def provide(repo_url: str, revision: str) -> Tree:
        return LocalTree(root)

    return provide


def load_env(case: str) -> GeneratorEnv:
    path = FIXTURES / case / "resources.yaml"
    if not path.exists():
        return GeneratorEnv()
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    return GeneratorEnv(resources=DocumentResources(documents, str(path)))


def expand_case(case: str) -> list[Application]:
    return expand(
        load_appset(case),
        trees=tree_provider(case),
        clusters=load_clusters(case),
        env=load_env(case),
    )


def expected_objects(case: str) -> list[dict[str, Any]]:
    text = (FIXTURES / case / "expected.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def expected_error(case: str) -> str:
    return (FIXTURES / case / "error.txt").read_text().strip()
