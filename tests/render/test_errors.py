"""Bad files fail the render with a ManifestError naming the file (and line)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitsync.errors import ManifestError, SourceError
from gitsync.render import Renderer
from gitsync.source import LocalTree
from tests.render.helpers import cm, local_tree


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/ok.yaml": cm("ok"), "app/bad.yaml": cm("a") + "data: [x\n"})
    with pytest.raises(ManifestError) as info:
        Renderer().render(tree, "app")
    assert info.value.location == "app/bad.yaml:6"
    assert str(info.value).startswith("app/bad.yaml:6: invalid YAML")


def test_document_without_kind(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/a.yaml": cm("a") + "---\napiVersion: v1\nmetadata: {}\n"})
    with pytest.raises(ManifestError, match="no kind") as info:
        Renderer().render(tree, "app")
    assert info.value.location == "app/a.yaml#1"


def test_invalid_utf8(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/a.yaml": cm("a").encode() + b"data:\n  x: \xff\xfe\n"})
    with pytest.raises(ManifestError, match="UTF-8") as info:
        Renderer().render(tree, "app")
    assert info.value.location == "app/a.yaml:6"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files")
def test_unreadable_file(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/a.yaml": cm("a")})
    (tmp_path / "app/a.yaml").chmod(0)
    with pytest.raises(ManifestError) as info:
        Renderer().render(tree, "app")
    assert info.value.location == "app/a.yaml"


def test_unreadable_file_as_root_too(tmp_path: Path) -> None:
    # A dangling symlink is unreadable for everyone, root included.
    tree = local_tree(tmp_path, {"app/a.yaml": cm("a")})
    (tmp_path / "app/gone.yaml").symlink_to(tmp_path / "app/missing.yaml")
    tree = LocalTree(tmp_path)
    (tmp_path / "app/b.yaml").write_text(cm("b"))
    manifests = Renderer().render(tree, "app")
    assert [m.key.name for m in manifests] == ["a", "b"]  # dangling links are not files


def test_invalid_json_names_line(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/a.json": '{\n  "kind": "ConfigMap",\n  oops\n}'})
    with pytest.raises(ManifestError, match="invalid JSON") as info:
        Renderer().render(tree, "app")
    assert info.value.location == "app/a.json:3"


def test_missing_path_and_escapes(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(cm("secret"))
    tree = local_tree(tmp_path / "repo", {"app/a.yaml": cm("a")})
    (tmp_path / "repo/app/link.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(SourceError, match="does not exist"):
        Renderer().render(tree, "nope")
    for path in ("../outside", "/etc"):
        with pytest.raises(SourceError):
            Renderer().render(tree, path)
    with pytest.raises(SourceError, match="outside"):
        Renderer().render(tree, "app")
