"""Sync settings from an Application's syncPolicy, and the self-heal backoff."""

from __future__ import annotations

import yaml

from gitsync.controller.settings import retry_policy, self_heal_delay, sync_settings
from gitsync.diff import IgnoreDifferences
from gitsync.model import Application


def _app(sync_policy: str) -> Application:
    return Application.from_object(
        yaml.safe_load(f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: a}}
spec:
  source: {{repoURL: https://example.com/r.git, path: p}}
  destination: {{server: https://kubernetes.default.svc}}
  syncPolicy: {sync_policy}
""")
    )


def test_self_heal_backoff_argo_defaults() -> None:
    assert [self_heal_delay(n, 2.0) for n in range(6)] == [2, 6, 18, 54, 162, 300]
    assert self_heal_delay(0, 0.2) == 0.2


def test_automated_policy_settings() -> None:
    app = _app("{automated: {prune: true, allowEmpty: true}}")
    settings = sync_settings(app, automated=True, wave_delay=0.0, ignore=IgnoreDifferences())
    assert settings.prune and settings.allow_empty and settings.wave_delay == 0.0
    assert settings.retry.limit == 5  # automated syncs retry 5 times by default
    manual = sync_settings(app, automated=False, wave_delay=2.0, ignore=IgnoreDifferences())
    assert not manual.prune and manual.retry.limit == 0


def test_retry_policy_from_spec() -> None:
    app = _app("{retry: {limit: 3, backoff: {duration: 10s, factor: 3, maxDuration: 1m}}}")
    policy = retry_policy(app, automated=True)
    assert (policy.limit, policy.duration, policy.factor, policy.max_duration) == (3, 10, 3, 60)
    assert policy.delay(3) == 60
