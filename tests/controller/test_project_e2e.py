"""AppProjects in `gitsync serve`: a forbidden destination is refused with the rule named
and nothing applied; a deny window holds automated and manual syncs (unless it allows
manual ones) and the window's end lets them through."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.controller.harness import configmap, environment, wait_for

NAMESPACE_RULE = "(destinations)"


def _app(name: str, namespace: str, repo: str, *, automated: bool) -> dict[str, Any]:
    policy: dict[str, Any] = {"syncOptions": ["CreateNamespace=true"]}
    if automated:
        policy["automated"] = {"prune": True}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "team-a",
            "source": {"repoURL": repo, "targetRevision": "HEAD", "path": f"teams/{name}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
            "syncPolicy": policy,
        },
    }


def _project(now: datetime, closing: datetime) -> dict[str, Any]:
    """Deny windows: one for `web` that opened at the start of this minute and closes at
    `closing`; one always open for the manual apps, allowing manual syncs for one of them."""
    opened = now.replace(second=0, microsecond=0)
    seconds = int((closing - opened).total_seconds())
    always = {"kind": "deny", "schedule": "* * * * *", "duration": "1h"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team-a"},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "shop"}],
            "syncWindows": [
                {
                    "kind": "deny",
                    "schedule": f"{opened.minute} {opened.hour} * * *",
                    "duration": f"{seconds}s",
                    "applications": ["web"],
                },
                {**always, "applications": ["manual-ok"], "manualSync": True},
                {**always, "applications": ["manual-no"]},
            ],
        },
    }


def test_projects_refuse_destinations_and_windows_hold_syncs(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    closing = (now + timedelta(seconds=30)).replace(microsecond=0)
    closes_at = time.monotonic() + (closing - datetime.now(UTC)).total_seconds()
    repo = "REPO"
    apps = [
        _app("web", "shop", repo, automated=True),
        _app("bad", "kube-system", repo, automated=True),
        _app("manual-ok", "shop", repo, automated=False),
        _app("manual-no", "shop", repo, automated=False),
    ]
    files = {f"teams/{a['metadata']['name']}/cm.yaml": configmap(a["metadata"]["name"], "v")
             for a in apps}  # fmt: skip
    files["root/project.yaml"] = yaml.safe_dump(_project(now, closing))
    with environment(tmp_path, files, start=False) as env:
        text = yaml.safe_dump_all(apps).replace("REPO", env.repo.url)
        env.repo.commit(files={"root/team-a.yaml": text})
        env.start()
        sim = env.sims[0]

        def writes(name: str) -> list[Any]:
            return [r for r in sim.requests if r.is_write and r.key and f"/{name}" in r.key
                    and r.kind == "ConfigMap" and r.namespace != "gitsync"]  # fmt: skip

        # A forbidden destination: refused, with the rule named, nothing applied.
        found = env.wait_apps(
            lambda a: "bad" in a and NAMESPACE_RULE in " ".join(a["bad"]["conditions"]),
            timeout=40,
            what="the forbidden destination refused",
        )
        assert "does not permit destination" in found["bad"]["conditions"][0]
        assert not writes("bad")

        # The deny window holds `web` and says until when ...
        found = env.wait_apps(
            lambda a: a.get("web", {}).get("waiting_for", "").startswith("sync window: deny"),
            timeout=40,
            what="web waits for its window",
        )
        assert "until" in found["web"]["waiting_for"]

        # ... a manual sync passes where the window allows it, and waits where it does not.
        assert "queued" in env.cli("app", "sync", "manual-ok").stdout
        assert "queued" in env.cli("app", "sync", "manual-no").stdout
        env.wait_apps(
            lambda a: a["manual-ok"]["sync_status"] == "Synced",
            timeout=30,
            what="manual-ok synced by hand",
        )
        env.wait_apps(
            lambda a: a["manual-no"]["waiting_for"].startswith("sync window: deny"),
            timeout=30,
            what="manual-no held by its window",
        )
        env.wait_reconciles("manual-no", times=1)
        assert not writes("manual-no")

        # The window's end lets `web` through, and not before.
        env.wait_apps(
            lambda a: a["web"]["sync_status"] == "Synced",
            timeout=60,
            what="web synced after its window",
        )
        first = wait_for(lambda: min((r.time for r in writes("web")), default=0.0), timeout=5)
        assert first >= closes_at - 1.0, (first, closes_at)
        # The wait was logged once, not at every look.
        waits = [line for line in env.logs().splitlines()
                 if '"sync waits"' in line and '"app": "web"' in line]  # fmt: skip
        assert len(waits) == 1, waits
