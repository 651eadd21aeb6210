"""`spec.strategy`: RollingSync steps parsed and validated, batch sizes."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.appset import expand
from gitsync.appset.errors import FieldError
from gitsync.appset.rollingsync import RollingStep, parse_strategy
from gitsync.appset.selector import Selector
from gitsync.errors import AppSetError
from gitsync.model import ApplicationSet

DEV = {"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}]}


def _rolling(*steps: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "RollingSync", "rollingSync": {"steps": list(steps), **extra}}


def test_no_strategy_and_all_at_once_mean_no_steps() -> None:
    assert parse_strategy(None) is None
    assert parse_strategy({"type": "AllAtOnce"}) is None
    assert parse_strategy({}) is None


def test_steps_are_numbered_from_one_and_the_first_match_wins() -> None:
    prod = {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]}
    rolling = parse_strategy(_rolling(DEV, {**prod, "maxUpdate": "25%"}, defaultPrune=True))
    assert rolling is not None
    assert rolling.default_prune is True
    assert rolling.step_of({"env": "dev"}) == 1
    assert rolling.step_of({"env": "prod"}) == 2
    assert rolling.step_of({}) == 2  # NotIn matches a missing label
    assert rolling.steps[1].max_update == "25%"
    only_dev = parse_strategy(_rolling(DEV))
    assert only_dev is not None and only_dev.step_of({"env": "qa"}) is None


@pytest.mark.parametrize(
    ("max_update", "apps", "batch"),
    [
        (None, 7, 7),
        (3, 10, 3),
        ("3", 10, 3),
        ("50%", 4, 2),
        ("50%", 5, 2),
        ("10%", 4, 1),
        ("1%", 1, 1),
        ("0%", 9, 0),
        (0, 9, 0),
        ("100%", 6, 6),
    ],
)
def test_batch_size(max_update: Any, apps: int, batch: int) -> None:
    raw = {**DEV} if max_update is None else {**DEV, "maxUpdate": max_update}
    rolling = parse_strategy(_rolling(raw))
    assert rolling is not None
    assert rolling.steps[0].batch_size(apps) == batch


@pytest.mark.parametrize(
    ("strategy", "field", "words"),
    [
        ({"type": "Rolling"}, "spec.strategy.type", "is not one of AllAtOnce, RollingSync"),
        ({"type": "RollingSync"}, "spec.strategy.rollingSync", "must be a mapping"),
        (_rolling(), "spec.strategy.rollingSync.steps", "non-empty list"),
        (_rolling({"maxUpdate": 1}), "steps[0].matchExpressions", "non-empty list"),
        (
            _rolling({"matchExpressions": [{"key": "env", "operator": "Exists"}]}),
            "steps[0].matchExpressions[0].operator",
            "take In or NotIn",
        ),
        (
            _rolling({"matchExpressions": [{"key": "env", "operator": "In", "values": []}]}),
            "steps[0].matchExpressions[0].values",
            "at least one value",
        ),
        (_rolling({**DEV, "maxUpdate": "150%"}), "steps[0].maxUpdate", "0% to 100%"),
        (_rolling({**DEV, "maxUpdate": -1}), "steps[0].maxUpdate", "negative"),
        (_rolling({**DEV, "maxUpdate": "half"}), "steps[0].maxUpdate", "not an integer"),
        (_rolling({**DEV, "maxUpdate": True}), "steps[0].maxUpdate", "integer or a percentage"),
        (_rolling({**DEV, "matchLabels": {"a": "b"}}), "steps[0]", "unknown field 'matchLabels'"),
        (_rolling(DEV, defaultPrune="yes"), "rollingSync.defaultPrune", "true or false"),
    ],
)
def test_invalid_strategies_name_the_field(strategy: Any, field: str, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_strategy(strategy)
    assert field in caught.value.field
    assert words in caught.value.message


def test_expand_refuses_an_invalid_strategy_naming_the_applicationset() -> None:
    appset = ApplicationSet.from_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "shops"},
            "spec": {
                "generators": [{"list": {"elements": [{"name": "a"}]}}],
                "strategy": _rolling({**DEV, "maxUpdate": "lots"}),
                "template": {
                    "metadata": {"name": "{{name}}"},
                    "spec": {
                        "project": "default",
                        "source": {"repoURL": "https://example.com/r.git", "path": "."},
                        "destination": {"server": "https://kubernetes.default.svc"},
                    },
                },
            },
        }
    )
    with pytest.raises(AppSetError, match=r"ApplicationSet shops: spec\.strategy\.rollingSync"):
        expand(appset, trees=lambda repo, revision: None, clusters=[])  # type: ignore[arg-type,return-value]


def test_max_update_as_shown_in_messages() -> None:
    step = RollingStep(Selector(), None)
    assert step.describe_max_update() == "100%"
    assert RollingStep(Selector(), "10%").describe_max_update() == "10%"
