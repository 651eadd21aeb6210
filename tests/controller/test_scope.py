"""Namespace-scoped mode's refusals, named precisely."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.controller.config import load_config
from gitsync.controller.scope import OutOfScopeError, check_scope
from gitsync.errors import ConfigError


def _obj(kind: str, namespace: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "x"}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": kind, "metadata": meta}


@pytest.mark.parametrize(
    ("destination", "objects", "message"),
    [
        ("a", [_obj("ConfigMap", "a"), _obj("Secret", "b")], None),
        ("c", [], "destination namespace 'c' is not watched (--watch-namespaces a, b)"),
        (
            "a",
            [_obj("ConfigMap", "a"), _obj("ConfigMap", "c")],
            "ConfigMap/c/x is in namespace 'c', which is not watched (--watch-namespaces a, b)",
        ),
        (
            "a",
            [_obj("Namespace", None)],
            "Namespace/x is cluster-scoped: not managed when watching only namespaces a, b",
        ),
    ],
)
def test_check_scope(destination: str, objects: list[dict[str, Any]], message: str | None) -> None:
    if message is None:
        check_scope(destination, objects, ("a", "b"))
        return
    with pytest.raises(OutOfScopeError) as caught:
        check_scope(destination, objects, ("a", "b"))
    assert str(caught.value) == message


def test_watch_namespaces_setting() -> None:
    config = load_config(None, {"repo": "r"}, {"GITSYNC_WATCH_NAMESPACES": " b, a ,b"})
    assert config.watched_namespaces == ("a", "b")
    assert load_config(None, {"repo": "r"}, {}).watched_namespaces is None
    with pytest.raises(ConfigError, match="invalid namespace 'Not_OK'"):
        load_config(None, {"repo": "r", "watch_namespaces": "a,Not_OK"}, {})
