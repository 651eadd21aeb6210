"""Pending sync requests (gitsync/controller/requests.py): taken once, given back while a
gate holds them, pinned revisions kept until the pinned sync ends."""

from __future__ import annotations

from gitsync.controller.requests import SyncAsk, SyncRequests


def test_a_request_is_taken_once_and_runs_later_when_given_back() -> None:
    requests = SyncRequests()
    assert requests.take("web") is None
    requests.ask("web", prune=True)
    assert requests.take("web") == SyncAsk(prune=True)
    assert requests.take("web") is None
    requests.give_back("web")  # a sync window holds it
    assert requests.take("web") == SyncAsk(prune=True)
    assert requests.take_options("web") == (True, False)  # the sync starts
    requests.give_back("web")
    assert requests.take("web") == SyncAsk()


def test_a_pin_stays_until_its_sync_ends_and_a_bad_one_is_refused() -> None:
    requests = SyncRequests()
    requests.ask("web", dry_run=True, pin="v1")
    assert requests.take("web") == SyncAsk(dry_run=True, pin="v1")
    requests.pin_resolved("web", "a" * 40)
    assert requests.pin_of("web") == "a" * 40
    requests.unpin("web")
    assert requests.pin_of("web") == ""
    requests.ask_rollback("web", "no-such-tag")
    requests.refuse_pin("web", "sync to no-such-tag: not found")
    assert requests.take("web") is None
    assert requests.refusal("web") == "sync to no-such-tag: not found"
    requests.ask("web")  # a new request clears the refusal
    assert requests.refusal("web") == ""


def test_a_termination_is_taken_once_and_a_removed_app_leaves_nothing_behind() -> None:
    requests = SyncRequests()
    requests.terminate("web")
    assert requests.take_termination("web")
    assert not requests.take_termination("web")
    requests.ask("web", pin="v1")
    requests.terminate("web")
    requests.forget("web")
    assert requests.take("web") is None
    assert requests.pin_of("web") == ""
    assert not requests.take_termination("web")
