"""AppStatus.to_dict: the same plain data as `dataclasses.asdict`, without sharing the
lists and mappings a caller may change."""

from __future__ import annotations

import json
from dataclasses import asdict

from gitsync.controller.status import AppStatus, ResourceStatus, SyncResult
from gitsync.model.enums import OperationPhase


def _status() -> AppStatus:
    status = AppStatus(
        name="web",
        labels={"team": "a"},
        conditions=["SourceError: x"],
        depends_on=["db"],
        resources=[ResourceStatus("apps", "Deployment", "web", "web", "Synced", "Healthy")],
        operation={"phase": "Succeeded", "results": [{"kind": "Deployment"}]},
        rolling_sync={"step": 1, "status": "Progressing", "message": ""},
        sync_inputs="abc:123",
    )
    status.record(
        SyncResult("abc", OperationPhase.SUCCEEDED, "ok", 1.0, 2.0, resources=["ConfigMap/web/a"])
    )
    return status


def test_to_dict_gives_what_asdict_gives() -> None:
    status = _status()
    assert status.to_dict() == asdict(status)
    as_json = json.dumps(status.to_dict(), sort_keys=True)
    assert as_json == json.dumps(asdict(status), sort_keys=True)
    assert AppStatus.from_dict(json.loads(json.dumps(status.to_dict()))) == status


def test_changing_the_dict_leaves_the_status_alone() -> None:
    status = _status()
    data = status.to_dict()
    data["labels"]["team"] = "b"
    data["conditions"].append("more")
    data["depends_on"].clear()
    data["resources"][0]["status"] = "OutOfSync"
    data["history"][0]["resources"].append("x")
    data["history"][0]["message"] = "changed"
    assert status == _status()
