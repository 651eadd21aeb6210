"""apply_is_noop: live_satisfies plus the fields server-side apply would remove."""

from __future__ import annotations

from typing import Any

from gitsync.diff import apply_is_noop


def configmap(data: dict[str, str], owned: list[str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "c", "namespace": "ns"}
    if owned is not None:
        meta["managedFields"] = [
            {
                "manager": "gitsync",
                "operation": "Apply",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {f"f:{k}": {} for k in owned}},
            },
            {
                "manager": "kubectl-edit",
                "operation": "Update",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {"f:by-hand": {}}},
            },
        ]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def test_extra_live_field_owned_by_someone_else_is_a_noop() -> None:
    live = configmap({"a": "1", "by-hand": "x"}, owned=["a"])
    assert apply_is_noop(configmap({"a": "1"}), live, "gitsync")


def test_field_dropped_from_git_but_owned_by_our_manager_is_not_a_noop() -> None:
    live = configmap({"a": "1", "b": "2"}, owned=["a", "b"])
    assert not apply_is_noop(configmap({"a": "1"}), live, "gitsync")
    assert apply_is_noop(configmap({"a": "1"}), live, "another-manager")


def test_changed_value_is_not_a_noop() -> None:
    assert not apply_is_noop(configmap({"a": "2"}), configmap({"a": "1"}, owned=["a"]), "gitsync")


def test_keyed_list_items_owned_must_still_be_desired() -> None:
    def pod(names: list[str]) -> dict[str, Any]:
        return {"spec": {"containers": [{"name": n, "image": "i"} for n in names]}}

    live = pod(["a", "b"])
    live["metadata"] = {
        "managedFields": [
            {
                "manager": "gitsync",
                "fieldsV1": {
                    "f:spec": {
                        "f:containers": {
                            'k:{"name":"a"}': {".": {}, "f:image": {}, "f:name": {}},
                            'k:{"name":"b"}': {".": {}, "f:image": {}, "f:name": {}},
                        }
                    }
                },
            }
        ]
    }
    assert apply_is_noop(pod(["a", "b"]), live, "gitsync")
    assert not apply_is_noop(pod(["a"]), live, "gitsync")
