"""An invalid Application document in the root: left out and reported, the other
Applications kept; one that was valid before keeps its previous version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.controller.inventory import Inventory, build_inventory
from gitsync.source.tree import Tree
from tests.render.helpers import local_tree


def _app(name: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name},
            "spec": {
                "source": {"repoURL": "https://example.com/r.git", "path": "web"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
            },
        }
    )


def _no_trees(repo: str, revision: str) -> Tree:
    raise AssertionError("no generator runs here")


def _build(root: Path, files: dict[str, Any], previous: Inventory) -> Inventory:
    tree = local_tree(root, files)
    inventory, _ = build_inventory(tree, "root", previous, _no_trees, [])
    return inventory


def test_an_invalid_application_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    files = {"root/web.yaml": _app("web"), "root/bad.yaml": _app("<script>x</script>")}
    inventory = _build(tmp_path / "one", files, Inventory())
    assert set(inventory.apps) == {"web"}
    assert list(inventory.invalid) == ["root/bad.yaml"]
    assert "DNS-1123 subdomain" in inventory.invalid["root/bad.yaml"]


def test_an_application_broken_later_keeps_its_previous_version(tmp_path: Path) -> None:
    first = _build(tmp_path / "one", {"root/web.yaml": _app("web")}, Inventory())
    second = _build(tmp_path / "two", {"root/web.yaml": _app("Web")}, first)
    assert second.apps["web"] is first.apps["web"]
    assert "root/web.yaml" in second.invalid
