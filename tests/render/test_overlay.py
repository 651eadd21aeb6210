"""OverlayTree: subtrees mounted into a tree, for chart dependencies."""

from __future__ import annotations

from pathlib import Path

from gitsync.render.overlay import OverlayTree
from tests.render.helpers import local_tree


def test_mounted_subtrees_are_listed_walked_and_read(tmp_path: Path) -> None:
    base = local_tree(
        tmp_path / "base",
        {"app/Chart.yaml": "a", "app/charts/partial/x.txt": "hidden", "app/z.txt": "z"},
    )
    other = local_tree(tmp_path / "other", {"lib/web/Chart.yaml": "w", "lib/web/t/cm.yaml": "c"})
    tree = OverlayTree(
        base, {"app/charts/web": (other, "lib/web"), "app/charts/partial": (other, "lib/web")}
    )
    assert list(tree.walk_files("app")) == [
        "app/Chart.yaml",
        "app/charts/partial/Chart.yaml",
        "app/charts/partial/t/cm.yaml",
        "app/charts/web/Chart.yaml",
        "app/charts/web/t/cm.yaml",
        "app/z.txt",
    ]
    assert tree.list_dir("app/charts") == [("partial", True), ("web", True)]
    assert tree.list_dir("app") == [("Chart.yaml", False), ("charts", True), ("z.txt", False)]
    assert tree.read_bytes("app/charts/web/t/cm.yaml") == b"c"
    assert tree.is_dir("app/charts/web/t") and tree.is_file("app/charts/web/Chart.yaml")
    assert list(tree.walk_files("app/charts/web")) == [
        "app/charts/web/Chart.yaml",
        "app/charts/web/t/cm.yaml",
    ]
    assert not tree.is_file("app/charts/partial/x.txt")
    assert tree.revision == base.revision
