"""Users add checks for their own kinds: register(), entry points, declarative rules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitsync.errors import ConfigError
from gitsync.health import Health, assess, load_rules, plugins, register, unregister
from gitsync.model.enums import HealthStatus
from tests.health.fixtures import load
from tests.health.plugin_support import database, install_plugin

RULES = """\
checks:
  - group: db.acme.io
    kind: Database
    rules:
      - condition: {type: Ready, status: "True"}
        health: Healthy
      - condition: {type: Ready, status: "False", reason: ProvisioningFailed}
        health: Degraded
      - field: status.phase
        in: [Creating, Resizing]
        health: Progressing
        message: database is being prepared
      - field: spec.suspended
        equals: true
        health: Suspended
    default:
      health: Progressing
      message: waiting for status
  - kind: ConfigMap
    rules:
      - field: data.broken
        exists: true
        health: Degraded
"""


@pytest.fixture
def cleanup() -> Iterator[None]:
    yield
    for group, kind in [("db.acme.io", "Database"), ("", "ConfigMap"), ("apps", "Deployment")]:
        unregister(group, kind)


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[Path]:
    install_plugin(tmp_path)
    sys.path.insert(0, str(tmp_path))
    plugins.reload()
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_health", None)
    plugins.reload()


def _db(conditions: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = database("")
    obj["status"] = {"conditions": conditions or [], **extra.get("status", {})}
    obj["spec"] = extra.get("spec", {})
    return obj


def test_unknown_kind_has_no_health() -> None:
    assert assess(database("Ready")) is None


def test_register_adds_a_kind(cleanup: None) -> None:
    register("db.acme.io", "Database", lambda obj: Health(HealthStatus.HEALTHY, "fine"))
    assert assess(database("Ready")) == Health(HealthStatus.HEALTHY, "fine")


def test_register_overrides_a_builtin(cleanup: None) -> None:
    deployment = load("deployment/degraded_progress_deadline_exceeded")
    register("apps", "Deployment", lambda obj: Health(HealthStatus.HEALTHY, "trust me"))
    assert assess(deployment) == Health(HealthStatus.HEALTHY, "trust me")
    unregister("apps", "Deployment")
    health = assess(deployment)
    assert health is not None and health.status is HealthStatus.DEGRADED


def test_a_failing_check_gives_unknown(cleanup: None) -> None:
    def broken(obj: Any) -> Health:
        raise KeyError("status")

    register("db.acme.io", "Database", broken)
    health = assess(database("Ready"))
    assert health is not None and health.status is HealthStatus.UNKNOWN
    assert "KeyError" in health.message


def test_deletion_wins_over_any_check(cleanup: None) -> None:
    register("db.acme.io", "Database", lambda obj: Health(HealthStatus.HEALTHY))
    obj = database("Ready")
    obj["metadata"]["deletionTimestamp"] = "2024-05-06T10:00:00Z"  # type: ignore[index]
    assert assess(obj) == Health(HealthStatus.PROGRESSING, "Pending deletion")


def test_entry_point_plugin(plugin_path: Path) -> None:
    assert assess(database("Ready")) == Health(HealthStatus.HEALTHY, "database is ready")
    assert assess(database("Broken")) == Health(HealthStatus.DEGRADED, "database is broken")
    cache = {"apiVersion": "db.acme.io/v1", "kind": "Cache", "metadata": {"name": "c"}}
    assert assess(cache) is None
    queue = {"apiVersion": "db.acme.io/v1", "kind": "Queue", "metadata": {"name": "q"}}
    health = assess(queue)
    assert health is not None and health.status is HealthStatus.UNKNOWN
    assert "boom" in health.message


def test_registered_check_beats_entry_point(plugin_path: Path, cleanup: None) -> None:
    register("db.acme.io", "Database", lambda obj: Health(HealthStatus.SUSPENDED))
    assert assess(database("Ready")) == Health(HealthStatus.SUSPENDED)


def test_broken_entry_point_is_a_config_error(tmp_path: Path) -> None:
    install_plugin(tmp_path)
    entry_points = tmp_path / "acme_health-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text("[gitsync.health]\nThing.acme.io = acme_missing:check\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ConfigError, match=r"Thing\.acme\.io"):
            plugins.reload()
    finally:
        sys.path.remove(str(tmp_path))
        plugins.reload()


def test_entry_point_names() -> None:
    assert plugins.parse_name("Database.db.acme.io") == ("db.acme.io", "Database")
    assert plugins.parse_name("Pod") == ("", "Pod")


def test_rules_file(tmp_path: Path, cleanup: None) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    load_rules(path)
    ready = _db([{"type": "Ready", "status": "True", "message": "accepting connections"}])
    assert assess(ready) == Health(HealthStatus.HEALTHY, "accepting connections")
    failed = _db([{"type": "Ready", "status": "False", "reason": "ProvisioningFailed"}])
    assert assess(failed) == Health(HealthStatus.DEGRADED, "ProvisioningFailed")
    # Ready=False with another reason falls through to the field rules.
    creating = _db(
        [{"type": "Ready", "status": "False", "reason": "Waiting"}],
        status={"phase": "Creating"},
    )
    assert assess(creating) == Health(HealthStatus.PROGRESSING, "database is being prepared")
    paused = _db(spec={"suspended": True})
    assert assess(paused) == Health(HealthStatus.SUSPENDED, "spec.suspended is true")
    assert assess(_db()) == Health(HealthStatus.PROGRESSING, "waiting for status")
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert assess(config) == Health(HealthStatus.PROGRESSING)  # default default
    config["data"] = {"broken": "yes"}
    assert assess(config) == Health(HealthStatus.DEGRADED, "data.broken is yes")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("checks: 3", "checks"),
        ("checks: [{kind: X, rules: [{health: Healthy}]}]", "exactly one of condition or field"),
        ("checks: [{kind: X, rules: [{field: a, equals: 1, health: Fine}]}]", "health must be"),
        ("checks: [{kind: X, rules: [{field: a, equals: 1, health: Missing}]}]", "health must"),
        ("checks: [{kind: X, rules: [{field: a, health: Healthy}]}]", "one of equals, in"),
        ("checks: [{kind: X, rules: [{condition: {status: 'True'}, health: Healthy}]}]", "type"),
        ("checks: [{kind: X, colour: red}]", "unknown key(s) colour"),
        ("checks: [{group: g}]", "kind"),
        ("checks: [{kind: X, default: {health: Sad}}]", "checks[0].default"),
        ("checks: [\n  {kind: X\n", ":3"),
    ],
)
def test_bad_rules_files_name_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert str(err.value).startswith(str(path))
    assert problem in str(err.value)


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")
