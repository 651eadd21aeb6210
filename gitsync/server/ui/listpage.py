"""`/`: every app, filtered by the GET query of a plain form, problems first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from gitsync.model.enums import OperationPhase
from gitsync.server.ui.html import app_link, appset_link, badge, e, short_sha, table

AppInfo = Mapping[str, Any]
_MAX_FILTER = 200  # characters of one filter value that are looked at

FILTER_FIELDS = ("name", "project", "cluster", "namespace", "sync", "health", "label")
SYNC_STATES = ("Synced", "OutOfSync", "Unknown")
HEALTH_STATES = ("Healthy", "Progressing", "Suspended", "Degraded", "Missing", "Unknown")


@dataclass(frozen=True)
class Filters:
    """The list page's filters, from its query string."""

    name: str = ""
    project: str = ""
    cluster: str = ""
    namespace: str = ""
    sync: str = ""
    health: str = ""
    label: str = ""  # key or key=value

    @classmethod
    def parse(cls, query: str) -> Filters:
        values = parse_qs(query[:4096], keep_blank_values=False)
        found = {k: values[k][0].strip()[:_MAX_FILTER] for k in FILTER_FIELDS if k in values}
        return cls(**found)

    def matches(self, app: AppInfo) -> bool:
        def has(text: str, value: Any) -> bool:
            return not text or text.lower() in str(value or "").lower()

        return (
            has(self.name, app.get("name"))
            and has(self.project, app.get("project"))
            and has(self.cluster, app.get("destination"))
            and has(self.namespace, app.get("destination_namespace"))
            and (not self.sync or self.sync == app.get("sync_status"))
            and (not self.health or self.health == app.get("health"))
            and _label_matches(self.label, app.get("labels") or {})
        )


def _label_matches(wanted: str, labels: Mapping[str, Any]) -> bool:
    if not wanted:
        return True
    key, sep, value = wanted.partition("=")
    key = key.strip()
    if key not in labels:
        return False
    return not sep or str(labels[key]) == value.strip()


def problem_rank(app: AppInfo) -> int:
    """0 for the apps that need a look (failed, degraded, missing), then running or waiting
    ones, then out of sync, then the rest."""
    operation = app.get("operation") or {}
    if app.get("health") in ("Degraded", "Missing") or operation.get("phase") in (
        OperationPhase.FAILED,
        OperationPhase.ERROR,
    ):
        return 0
    if app.get("conditions") or app.get("sync_status") == "Unknown":
        return 0
    if operation.get("phase") == OperationPhase.RUNNING or app.get("waiting_for"):
        return 1
    if app.get("sync_status") == "OutOfSync" or app.get("health") in ("Progressing", "Suspended"):
        return 2
    return 3


def sort_apps(apps: Sequence[AppInfo]) -> list[AppInfo]:
    return sorted(apps, key=lambda a: (problem_rank(a), str(a.get("name", ""))))


def counts(apps: Sequence[AppInfo], field: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for app in apps:
        state = str(app.get(field) or "Unknown")
        out[state] = out.get(state, 0) + 1
    return dict(sorted(out.items()))


def waiting_text(app: AppInfo) -> str:
    """Why the app's sync is held, or its place in an ordering when nothing holds it."""
    if app.get("waiting_for"):
        return str(app["waiting_for"])
    rolling = app.get("rolling_sync") or {}
    if rolling.get("message"):
        return str(rolling["message"])
    return ""


def render_list(apps: Sequence[AppInfo], filters: Filters) -> str:
    shown = [a for a in sort_apps(apps) if filters.matches(a)]
    rows = [_row(a) for a in shown]
    sync_counts = " ".join(
        f"<li>{badge(k)}: <strong>{v}</strong></li>"
        for k, v in counts(shown, "sync_status").items()
    )
    health_counts = " ".join(
        f"<li>{badge(k)}: <strong>{v}</strong></li>" for k, v in counts(shown, "health").items()
    )
    headers = ["Application", "Sync", "Health", "Revision", "Destination", "Waiting for"]
    headers.append("Message")
    return f"""<h1>Applications</h1>
{_form(filters)}
<section id="counts" data-live aria-label="counts">
<p>{len(shown)} of {len(apps)} application(s) shown.</p>
<ul class="counts" aria-label="by sync status">{sync_counts}</ul>
<ul class="counts" aria-label="by health">{health_counts}</ul>
</section>
<section id="apps" data-live aria-label="applications">
{table(headers, rows, "no applications match" if apps else "no applications yet")}
</section>
<p class="muted">JSON: <a href="/api/v1/applications">/api/v1/applications</a></p>"""


def _form(f: Filters) -> str:
    def text(name: str, label: str, value: str) -> str:
        return (
            f'<label>{e(label)}<input type="search" name="{name}" value="{e(value)}"'
            f' maxlength="{_MAX_FILTER}"></label>'
        )

    def choice(name: str, label: str, options: Sequence[str], value: str) -> str:
        opts = '<option value="">any</option>' + "".join(
            f'<option value="{e(o)}"{" selected" if o == value else ""}>{e(o)}</option>'
            for o in options
        )
        return f'<label>{e(label)}<select name="{name}">{opts}</select></label>'

    return (
        '<form class="filters" method="get" action="/" role="search">'
        + text("name", "Name", f.name)
        + text("project", "Project", f.project)
        + text("cluster", "Cluster", f.cluster)
        + text("namespace", "Namespace", f.namespace)
        + choice("sync", "Sync", SYNC_STATES, f.sync)
        + choice("health", "Health", HEALTH_STATES, f.health)
        + text("label", "Label (key or key=value)", f.label)
        + '<button type="submit">Filter</button> <a href="/">Clear</a></form>'
    )


def _row(app: AppInfo) -> str:
    name = str(app.get("name", ""))
    operation = app.get("operation") or {}
    problem = ' class="problem"' if problem_rank(app) == 0 else ""
    dest = "/".join(
        p
        for p in (str(app.get("destination") or ""), str(app.get("destination_namespace") or ""))
        if p
    )
    target = app.get("target_revision") or ""
    message = app.get("message") or operation.get("message") or app.get("health_message") or ""
    appset = app.get("appset") or ""
    from_set = f'<br><span class="muted">from {appset_link(appset)}</span>' if appset else ""
    running = ""
    if operation.get("phase") == OperationPhase.RUNNING:
        running = f"<br>{badge('Running')}"
    return (
        f'<tr{problem}><th scope="row">{app_link(name)}{from_set}</th>'
        f"<td>{badge(app.get('sync_status'))}{running}</td>"
        f"<td>{badge(app.get('health'))}</td>"
        f"<td><code>{e(short_sha(app.get('revision')))}</code>"
        f' <span class="muted">{e(target)}</span></td>'
        f"<td>{e(dest)}</td>"
        f'<td class="msg">{e(waiting_text(app))}</td>'
        f'<td class="msg">{e(message)}</td></tr>'
    )
