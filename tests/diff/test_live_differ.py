"""LiveDiffer in-process on the embedded API server: dry-runs only where they can matter."""

from __future__ import annotations

from typing import Any

from gitsync.diff import IgnoreDifferences
from gitsync.diff.live import LiveDiffer
from gitsync.kube import Cluster
from gitsync.model.enums import SyncStatus
from tests.diff.conftest import APP, config_map, deployment, in_namespace, make_live, service


def statuses(differ: LiveDiffer, *desired: dict[str, Any], **kw: Any) -> dict[str, SyncStatus]:
    result = differ.diff_app(APP, [in_namespace(o) for o in desired], **kw)
    return {f"{r.key.kind}/{r.key.name}": r.status for r in result.resources}


def test_in_sync_app_needs_no_dry_run(cluster: Cluster) -> None:
    make_live(cluster, deployment(), service(), config_map())
    differ = LiveDiffer(cluster)

    found = statuses(differ, deployment(), service(), config_map())

    assert set(found.values()) == {SyncStatus.SYNCED}
    assert differ.dry_runs == 0


def test_dry_run_result_is_reused_until_live_or_desired_changes(cluster: Cluster) -> None:
    make_live(cluster, deployment())
    differ = LiveDiffer(cluster)
    changed = deployment(image="nginx:1.26")

    first = differ.diff_app(APP, [in_namespace(changed)])
    again = differ.diff_app(APP, [in_namespace(changed)])
    assert differ.dry_runs == 1
    assert first == again
    assert first.resources[0].changed_paths == ["/spec/template/spec/containers/0/image"]

    # New live resourceVersion: compared again.
    make_live(cluster, deployment(image="nginx:1.24"))
    assert statuses(differ, changed) == {"Deployment/web": SyncStatus.OUT_OF_SYNC}
    assert differ.dry_runs == 2
    # New rules: compared again, and the answer changes.
    rule = {
        "group": "apps",
        "kind": "Deployment",
        "jqPathExpressions": ['.spec.template.spec.containers[] | select(.name == "web") | .image'],
    }
    ignore = IgnoreDifferences.from_app_spec([rule])
    assert statuses(differ, changed, ignore=ignore) == {"Deployment/web": SyncStatus.SYNCED}
    assert differ.dry_runs == 3


def test_field_dropped_from_git_is_a_difference(cluster: Cluster) -> None:
    # Server-side apply removes what gitsync applied before and applies no more, so a key
    # dropped from Git is OutOfSync even though live still "satisfies" the new desired.
    make_live(cluster, config_map(a="1", b="2"))
    differ = LiveDiffer(cluster)
    result = differ.diff_app(APP, [in_namespace(config_map(a="1"))])
    assert result.resources[0].status is SyncStatus.OUT_OF_SYNC
    assert result.resources[0].changed_paths == ["/data/b"]
    assert differ.dry_runs == 1
