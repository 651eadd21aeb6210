from __future__ import annotations

from typing import Any

from gitsync.appset import reconcile_generated
from gitsync.model import Application, ApplicationsSync, AppSetSyncPolicy


def _app(name: str, path: str = "base") -> Application:
    obj: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "annotations": {"gitsync.io/appset": "s"}},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/r.git", "path": path},
            "destination": {"server": "https://k8s.example.com"},
        },
    }
    return Application.from_object(obj)


PREVIOUS = [_app("same"), _app("changed"), _app("gone")]
GENERATED = [_app("same"), _app("changed", path="new"), _app("fresh")]


def _names(apps: tuple[Application, ...]) -> list[str]:
    return [a.name for a in apps]


def _run(mode: ApplicationsSync, preserve: bool = False) -> Any:
    return reconcile_generated(PREVIOUS, GENERATED, AppSetSyncPolicy(mode, preserve))


def test_sync_creates_updates_and_deletes() -> None:
    changes = _run(ApplicationsSync.SYNC)
    assert _names(changes.create) == ["fresh"]
    assert _names(changes.update) == ["changed"]
    assert changes.update[0].source.path == "new"
    assert _names(changes.delete) == ["gone"]
    assert _names(changes.keep) == ["same"]
    assert changes.delete_resources


def test_create_only_keeps_previous_versions() -> None:
    changes = _run(ApplicationsSync.CREATE_ONLY)
    assert _names(changes.create) == ["fresh"]
    assert changes.update == () and changes.delete == ()
    assert _names(changes.keep) == ["changed", "gone", "same"]
    assert next(a for a in changes.keep if a.name == "changed").source.path == "base"


def test_create_update_never_deletes() -> None:
    changes = _run(ApplicationsSync.CREATE_UPDATE)
    assert _names(changes.update) == ["changed"] and changes.delete == ()
    assert _names(changes.keep) == ["gone", "same"]


def test_create_delete_never_updates() -> None:
    changes = _run(ApplicationsSync.CREATE_DELETE, preserve=True)
    assert changes.update == () and _names(changes.delete) == ["gone"]
    assert _names(changes.keep) == ["changed", "same"]
    assert not changes.delete_resources
