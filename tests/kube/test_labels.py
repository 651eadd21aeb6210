from __future__ import annotations

import pytest

from gitsync.errors import UserInputError
from gitsync.kube import Selector

LABELS = {"app": "web", "tier": "front", "gitsync.io/app": "shop"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app=web,tier=front", True),
        ("app=web,tier=back", False),
        ("gitsync.io/app=shop", True),
        ("tier in (front, back)", True),
        ("tier notin (front)", False),
        ("app=web,tier in (x,y)", False),
        ("app", True),
        ("!app", False),
        ("!legacy", True),
        ("missing!=x", True),
    ],
)
def test_selector_matches_like_the_api_server(selector: str, expected: bool) -> None:
    assert Selector(selector).matches(LABELS) is expected


def test_mapping_selector_and_unlabelled_objects() -> None:
    assert Selector({"app": "web"}).matches(LABELS)
    assert not Selector({"app": "web"}).matches(None)
    assert Selector(None).matches(None)


def test_bad_selector_is_a_one_line_user_error() -> None:
    with pytest.raises(UserInputError, match="invalid label selector requirement 'a b c'"):
        Selector("a b c")
