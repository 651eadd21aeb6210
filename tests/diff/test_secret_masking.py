"""No Secret value survives into anything diff_objects returns."""

from __future__ import annotations

import base64

import pytest

from gitsync.diff import diff_objects
from gitsync.model.keys import ResourceKey

KEY = ResourceKey("", "Secret", "ns", "creds")
PLAIN_OLD, PLAIN_NEW = "correct-horse-battery", "staple-7f3a9c"
OLD = base64.b64encode(PLAIN_OLD.encode()).decode()
NEW = base64.b64encode(PLAIN_NEW.encode()).decode()


def secret(**fields: object) -> dict[str, object]:
    base = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "ns"}}
    return base | fields


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        (secret(data={"pw": NEW}), secret(data={"pw": OLD})),
        (secret(stringData={"pw": PLAIN_NEW}), secret(data={"pw": OLD})),
        (secret(data={"pw": NEW}, type="Opaque"), None),
        (None, secret(data={"pw": OLD})),
        (
            secret(data={"pw": NEW, "other": OLD}),
            secret(data={"pw": OLD}, stringData={"x": PLAIN_OLD}),
        ),
    ],
)
def test_no_value_in_any_output(
    desired: dict[str, object] | None, live: dict[str, object] | None
) -> None:
    result = diff_objects(desired, live, KEY)
    assert not result.in_sync
    text = (repr(result) + result.unified).encode()
    for value in (PLAIN_OLD, PLAIN_NEW, OLD, NEW):
        assert value.encode() not in text
    assert b"pw: " in text


def test_unchanged_values_mask_alike() -> None:
    result = diff_objects(secret(data={"a": OLD, "b": NEW}), secret(data={"a": OLD, "b": OLD}), KEY)
    assert result.changed_paths == ["/data/b"]
    assert "   a: ++++++++" in result.unified
    assert "-  b: '--------'" in result.unified and "+  b: ++++++++" in result.unified
