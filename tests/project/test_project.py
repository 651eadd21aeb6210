"""AppProject rules and sync windows, case by case from YAML fixtures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.project import ProjectError, decide, parse_project, project_for
from gitsync.project.rules import destination_permitted, kind_permitted, source_permitted

FIXTURES = Path(__file__).parent.parent / "fixtures" / "project"
RULES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "rules.yaml").read_text())
WINDOWS: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "windows.yaml").read_text())


def _project(spec: dict[str, Any], name: str = "team") -> Any:
    obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject"}
    return parse_project({**obj, "metadata": {"name": name}, "spec": spec})


@pytest.mark.parametrize("case", RULES, ids=[c["name"] for c in RULES])
def test_rules(case: dict[str, Any]) -> None:
    project = _project(case["spec"])
    for url, expected in (case.get("sources") or {}).items():
        assert source_permitted(project, url) is expected, url
    for server, name, namespace, expected in case.get("destinations") or []:
        assert destination_permitted(project, server, name, namespace) is expected, namespace
    for group, kind, namespaced, expected in case.get("kinds") or []:
        assert kind_permitted(project, group, kind, namespaced) is expected, kind


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("case", WINDOWS, ids=[c["name"] for c in WINDOWS])
def test_windows(case: dict[str, Any]) -> None:
    project = _project({"syncWindows": case["windows"]})
    app, namespace, server, cluster = case["app"]
    now = _time(case["at"])
    for manual, expected in ((False, case["auto"]), (True, case["manual"])):
        decision = decide(
            project,
            app=app,
            namespace=namespace,
            server=server,
            cluster=cluster,
            manual=manual,
            now=now,
        )
        assert decision.allowed is expected, ("manual" if manual else "auto", decision)
        if not expected and "until" in case and not manual:
            assert decision.until == _time(case["until"])
            assert decision.reason


_OK = {"kind": "deny", "schedule": "* * * * *", "duration": "1h", "applications": ["*"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "maybe"}, "kind"),
        ({"schedule": "every day"}, "cron"),
        ({"duration": "soon"}, "duration"),
        ({"applications": []}, "applications"),
        ({"timeZone": "Mars/Base"}, "timeZone"),
    ],
)
def test_malformed_windows_are_refused_with_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        _project({"syncWindows": [{**_OK, **change}]})


def test_malformed_spec_names_the_field() -> None:
    with pytest.raises(ProjectError, match="sourceRepos"):
        _project({"sourceRepos": "https://github.com/org/repo"})
    with pytest.raises(ProjectError, match=r"destinations\[0\]"):
        _project({"destinations": ["prod"]})


def test_the_default_project_is_permissive_unless_defined() -> None:
    builtin = project_for("", {})
    assert source_permitted(builtin, "https://any.example.com/x")
    assert kind_permitted(builtin, "rbac.authorization.k8s.io", "ClusterRole", False)
    strict = _project({}, name="default")
    assert not source_permitted(project_for("default", {"default": strict}), "https://x/y")
    with pytest.raises(ProjectError, match="does not exist"):
        project_for("team-b", {})
