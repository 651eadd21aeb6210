"""Small builders for render tests: files on disk viewed through a LocalTree."""

from __future__ import annotations

from pathlib import Path

from gitsync.source import LocalTree


def cm(name: str, namespace: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}{ns}\n"


def local_tree(root: Path, files: dict[str, str | bytes]) -> LocalTree:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return LocalTree(root)
