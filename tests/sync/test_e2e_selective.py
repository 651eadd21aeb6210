"""`gitsync sync --resource` as a subprocess against the embedded API server: only the
named objects are written, no hook runs, nothing else is pruned; a name that is not the
app's is one `error:` line and exit 2."""

from __future__ import annotations

from pathlib import Path

from gitsync.sim import SimCluster
from tests.sync.e2e import (
    app_writes,
    configmap,
    job,
    sync_cli,
    sync_in_process,
    sync_json,
    write_app,
    write_keys,
)


def _shop(folder: Path, value: str, *extra: dict[str, object]) -> Path:
    return write_app(
        folder,
        [
            job("pre", "PreSync"),
            configmap("a", {"v": value}),
            configmap("b", {"v": value}, ann={"argocd.argoproj.io/sync-wave": "1"}),
            *extra,
        ],
    )


def _value(sim: SimCluster, name: str) -> str | None:
    live = sim.get_object("v1", "ConfigMap", "default", name)
    return None if live is None else str(live["data"]["v"])


def test_only_the_named_objects_change(sim: SimCluster, tmp_path: Path) -> None:
    app = _shop(tmp_path / "shop", "1", configmap("old", {"v": "1"}))
    assert sync_in_process(sim, app) == "Succeeded"
    _shop(app, "2")  # both changed in Git, `old` left it
    sim.reset_requests()

    # One unknown name refuses the whole request (ConfigMap/a would be cluster-scoped).
    refused = sync_cli(sim, app, "--resource", "ConfigMap/default/b", "--resource", "ConfigMap/a")
    assert refused.returncode == 2
    assert refused.stderr == "error: not a resource of app shop: ConfigMap/a\n"
    assert app_writes(sim) == []
    done = sync_cli(sim, app, "--prune", "--resource", "ConfigMap/default/b")
    assert done.returncode == 0, done.stdout + done.stderr
    assert write_keys(app_writes(sim)) == ["ConfigMap/default/b"]  # no hook, no prune
    assert (_value(sim, "a"), _value(sim, "b"), _value(sim, "old")) == ("1", "2", "1")
    assert "Succeeded: successfully synced (partial: ConfigMap/default/b)" in done.stdout

    sim.reset_requests()
    code, report = sync_json(sim, app, "--prune", "--resource", "ConfigMap/default/old")
    assert code == 0, report
    assert report["selected"] == ["ConfigMap/default/old"]
    assert [(r["name"], r["result"]) for r in report["resources"]] == [("old", "Pruned")]
    assert _value(sim, "old") is None and _value(sim, "a") == "1"
    assert not [w for w in app_writes(sim) if w.kind == "Job"]


def test_a_name_outside_the_app_is_one_error_line(sim: SimCluster, tmp_path: Path) -> None:
    app = _shop(tmp_path / "shop", "1")
    for args, message in [
        (("--resource", "ConfigMap/default/nope"), "not a resource of app shop: "),
        (("--resource", "Job/default/pre"), "not a resource of app shop: Job/default/pre"),
        (("--resource", "ConfigMap"), "give KIND/NAMESPACE/NAME"),
    ]:
        done = sync_cli(sim, app, *args)
        assert done.returncode == 2, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert app_writes(sim) == []
