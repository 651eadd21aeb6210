"""The result cache and the scrubbing of Secret values out of API errors."""

from __future__ import annotations

import base64

from gitsync.diff.cache import DiffCache, content_hash
from gitsync.diff.result import ResourceDiff
from gitsync.diff.scrub import scrub_secret_error
from gitsync.errors import InvalidError
from gitsync.model.enums import SyncStatus
from gitsync.model.keys import ResourceKey

KEY = ResourceKey("", "ConfigMap", "ns", "a")


def test_cache_evicts_least_recently_used() -> None:
    cache = DiffCache(max_entries=2)
    first, second, third = ((KEY, str(i), "1") for i in range(3))
    cache.put(first, ResourceDiff(KEY, SyncStatus.SYNCED))
    cache.put(second, ResourceDiff(KEY, SyncStatus.OUT_OF_SYNC))
    assert cache.get(first) is not None  # now most recently used
    cache.put(third, ResourceDiff(KEY, SyncStatus.SYNCED))
    assert cache.get(second) is None
    assert cache.get(first) is not None and cache.get(third) is not None
    assert len(cache) == 2 and cache.hits == 3 and cache.misses == 1


def test_content_hash_ignores_key_order_but_not_values_or_salt() -> None:
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert content_hash({"a": 1}, "rules-1") != content_hash({"a": 1}, "rules-2")


def test_secret_values_are_scrubbed_from_api_errors() -> None:
    plain = "pa55-word-xyz"
    encoded = base64.b64encode(plain.encode()).decode()
    secret = {"kind": "Secret", "data": {"pw": encoded}, "stringData": {"token": "tok-123"}}
    err = InvalidError(
        f'data[pw]: Invalid value: "{encoded}" ({plain}); stringData[token]: "tok-123"',
        resource="Secret/ns/s",
        status=422,
    )
    scrubbed = scrub_secret_error(err, secret)
    assert isinstance(scrubbed, InvalidError) and scrubbed.status == 422
    for value in (plain, encoded, "tok-123"):
        assert value not in str(scrubbed)
    assert str(scrubbed).startswith("Secret/ns/s: data[pw]: Invalid value")
