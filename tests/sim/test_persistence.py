"""Optional persistence: the store survives a restart."""

from __future__ import annotations

from pathlib import Path

from gitsync.sim import SimCluster

from .objects import config_map, crd


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with SimCluster(controllers=False, state_file=state) as first:
        first.create(crd("example.com", "Widget", "widgets"))
        first.create(config_map("kept", v="1"))
        first.create(
            {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "w", "namespace": "default"},
            }
        )
        version = first.store.rv
        uid = first.get_object("v1", "ConfigMap", "default", "kept")["metadata"]["uid"]  # type: ignore[index]
    assert state.exists()
    with SimCluster(controllers=False, state_file=state) as second:
        kept = second.get_object("v1", "ConfigMap", "default", "kept")
        assert kept is not None and kept["metadata"]["uid"] == uid and kept["data"] == {"v": "1"}
        assert second.get_object("example.com/v1", "Widget", "default", "w") is not None
        second.create(config_map("later"))
        later = second.get_object("v1", "ConfigMap", "default", "later")
        assert later is not None and int(later["metadata"]["resourceVersion"]) > version
