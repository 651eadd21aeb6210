"""`/applicationsets/<name>`: the apps an ApplicationSet generated and its RollingSync steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitsync.server.ui.html import app_link, badge, e, table
from gitsync.server.ui.listpage import sort_apps, waiting_text

AppInfo = Mapping[str, Any]


def apps_of(apps: Sequence[AppInfo], appset: str) -> list[AppInfo]:
    return [a for a in apps if a.get("appset") == appset]


def render_appset(name: str, apps: Sequence[AppInfo]) -> str:
    rows = [
        f'<tr><th scope="row">{app_link(str(a.get("name", "")))}</th>'
        f"<td>{badge(a.get('sync_status'))}</td><td>{badge(a.get('health'))}</td>"
        f'<td class="msg">{e(waiting_text(a))}</td></tr>'
        for a in sort_apps(apps)
    ]
    steps: dict[int, list[AppInfo]] = {}
    for app in apps:
        rolling = app.get("rolling_sync") or {}
        if rolling:
            try:
                step = int(rolling.get("step") or 0)
            except (TypeError, ValueError):
                step = 0
            steps.setdefault(step, []).append(app)
    step_rows = [
        f"<tr><td>{e(step)}</td><td>"
        + "<br>".join(f"{app_link(str(a.get('name', '')))} {_step_status(a)}" for a in members)
        + "</td></tr>"
        for step, members in sorted(steps.items())
    ]
    rolling = (
        f"<h2>RollingSync steps</h2>{table(['Step', 'Applications'], step_rows, '')}"
        if step_rows
        else '<p class="muted">No RollingSync strategy.</p>'
    )
    return (
        f"<h1>ApplicationSet {e(name)}</h1>"
        f'<section id="appset" data-live aria-label="generated applications">'
        f"<h2>Generated applications ({len(apps)})</h2>"
        f"{table(['Application', 'Sync', 'Health', 'Waiting for'], rows, 'no applications')}"
        f"{rolling}</section>"
    )


def _step_status(app: AppInfo) -> str:
    return badge((app.get("rolling_sync") or {}).get("status"))
