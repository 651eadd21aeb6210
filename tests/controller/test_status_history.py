"""History IDs: counted from 0, never reused after the oldest entries are dropped, and
kept across a save and load, as Argo CD numbers its history."""

from __future__ import annotations

from gitsync.controller.status import HISTORY_LIMIT, AppStatus, SyncResult


def _result(n: int) -> SyncResult:
    return SyncResult(f"rev{n}", "Succeeded", "", float(n), float(n) + 1, automated=n % 2 == 0)


def test_ids_count_on_past_the_limit_and_survive_a_round_trip() -> None:
    status = AppStatus(name="web", labels={"team": "web"})
    for n in range(HISTORY_LIMIT + 3):
        status.record(_result(n))
    ids = [h.id for h in status.history]
    assert ids == list(range(3, HISTORY_LIMIT + 3))
    loaded = AppStatus.from_dict(status.to_dict())
    assert [h.id for h in loaded.history] == ids and loaded.labels == {"team": "web"}
    loaded.record(_result(99))
    assert loaded.history[-1].id == HISTORY_LIMIT + 3
