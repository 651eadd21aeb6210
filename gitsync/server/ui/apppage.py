"""`/applications/<name>`: summary, actions, resources by phase and wave, the operation
as a timeline, the live diff, the history and the ApplicationSet the app came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitsync.model.enums import OperationPhase
from gitsync.server.ui.html import (
    appset_link,
    badge,
    e,
    resource_name,
    short_sha,
    table,
    url_segment,
    when,
)

AppInfo = Mapping[str, Any]
_PHASE_ORDER = {"PreSync": 0, "Sync": 1, "PostSync": 2, "SyncFail": 3}
_NOTICES = {
    "sync": "Sync queued.",
    "refresh": "Refresh queued.",
    "terminate": "Termination requested.",
    "promote": "Rollout promoted.",
    "abort": "Rollout aborted.",
    "rollback": "Rollback queued.",
}


def notice_text(key: str) -> str:
    """A fixed message for a ``?done=`` key; unknown keys show nothing (no reflection)."""
    return _NOTICES.get(key, "")


def render_app(
    app: AppInfo,
    diffs: Sequence[Mapping[str, Any]] | None,
    *,
    csrf: str | None,
    actions_note: str = "",
    notice: str = "",
) -> str:
    name = str(app.get("name", ""))
    parts = [f"<h1>Application {e(name)}</h1>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{e(notice)}</p>')
    parts.append(_actions(app, csrf, actions_note))
    sections = (
        ("summary", _summary(app)),
        ("operation", _operation(app)),
        ("resources", _resources(app, csrf)),
        ("diff", _diff(diffs)),
        ("history", _history(app, csrf)),
    )
    for key, html in sections:
        parts.append(f'<section id="{key}" data-live aria-labelledby="h-{key}">{html}</section>')
    return "\n".join(parts)


def _summary(app: AppInfo) -> str:
    source = app.get("repo") or ""
    where = (app.get("chart") and f"chart {app.get('chart')}") or app.get("path") or ""
    dest = app.get("destination") or ""
    namespace = app.get("destination_namespace") or ""
    appset = app.get("appset") or ""
    depends = ", ".join(str(d) for d in app.get("depends_on") or [])
    rolling = app.get("rolling_sync") or {}
    labels = ", ".join(f"{k}={v}" for k, v in sorted((app.get("labels") or {}).items()))
    rows = [
        ("Sync status", badge(app.get("sync_status"))),
        ("Health", badge(app.get("health")) + _msg(app.get("health_message"))),
        ("Project", e(app.get("project"))),
        ("Source", f"<code>{e(source)}</code> {e(where)}"),
        (
            "Revision",
            f'<code title="{e(app.get("revision"))}">{e(short_sha(app.get("revision")))}</code>'
            f" (target <code>{e(app.get('target_revision'))}</code>)"
            + (f"<br>{e(app.get('commit'))}" if app.get("commit") else ""),
        ),
        ("Destination", f"{e(dest)} namespace <code>{e(namespace)}</code>"),
        ("Sync policy", e(app.get("sync_policy") or "—")),
        ("Labels", e(labels or "—")),
        ("Wave", e(app.get("wave", 0))),
        ("Depends on", e(depends or "—")),
        ("Waiting for", e(app.get("waiting_for") or "—")),
        ("ApplicationSet", appset_link(appset) if appset else "—"),
    ]
    if rolling:
        rows.append(
            (
                "RollingSync",
                f"step {e(rolling.get('step'))}: {badge(rolling.get('status'))}"
                + _msg(rolling.get("message")),
            )
        )
    if app.get("message"):
        rows.append(("Message", f'<span class="bad">{e(app.get("message"))}</span>'))
    for condition in app.get("conditions") or []:
        rows.append(("Condition", f'<span class="bad">✗ {e(condition)}</span>'))
    rows.append(("Reconciled", e(when(app.get("reconciled_at")) or "—")))
    items = "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<h2 id="h-summary">Summary</h2><dl class="summary">{items}</dl>'


def _msg(text: Any) -> str:
    return f' <span class="muted">{e(text)}</span>' if text else ""


def _actions(app: AppInfo, csrf: str | None, note: str) -> str:
    name = url_segment(app.get("name", ""))
    if csrf is None:
        return f'<section aria-label="actions"><p class="muted">{e(note)}</p></section>'
    hidden = f'<input type="hidden" name="csrf" value="{e(csrf)}">'
    base = f"/applications/{e(name)}/actions"
    running = (app.get("operation") or {}).get("phase") == OperationPhase.RUNNING
    terminate = (
        f'<form method="post" action="{base}/terminate">{hidden}'
        '<button type="submit" class="danger">Terminate operation</button></form>'
        if running
        else ""
    )
    return (
        '<section aria-label="actions" class="actions">'
        f'<form method="post" action="{base}/sync">{hidden}'
        '<label><input type="checkbox" name="prune" value="true"> prune</label>'
        '<label><input type="checkbox" name="dry_run" value="true"> dry run</label>'
        '<button type="submit">Sync</button></form>'
        f'<form method="post" action="{base}/refresh">{hidden}'
        '<button type="submit">Refresh</button></form>'
        f"{terminate}</section>"
    )


def _operation(app: AppInfo) -> str:
    op = app.get("operation") or {}
    if not op:
        return '<h2 id="h-operation">Operation</h2><p class="muted">No operation yet.</p>'
    steps: list[str] = [
        f"<li>{e(when(op.get('started_at')))}: started at revision "
        f"<code>{e(short_sha(op.get('revision')))}</code></li>"
    ]
    for (phase, wave), items in _groups(op.get("resources") or []):
        done = sum(1 for r in items if r.get("result") in ("Synced", "Succeeded", "Pruned"))
        failed = [r for r in items if r.get("result") in ("SyncFailed", "Failed", "Error")]
        # a hook that was created shows "Synced" while it runs: the operation's message
        # names what it waits for
        waits_here = op.get("phase") == OperationPhase.RUNNING and any(
            resource_name(r.get("kind"), r.get("namespace"), r.get("name"))
            in str(op.get("message") or "")
            for r in items
        )
        state = (
            "Failed" if failed else "Running" if waits_here or done < len(items) else "Succeeded"
        )
        hooks = [r for r in items if r.get("hook")]
        hook_text = f", {len(hooks)} hook(s)" if hooks else ""
        steps.append(
            f"<li>{badge(state)} {e(phase)} wave {e(wave)}: {done}/{len(items)} done{hook_text}"
            + "".join(f'<br><span class="bad">✗ {_failure(r)}</span>' for r in failed)
            + "</li>"
        )
    finished = when(op.get("finished_at"))
    end = f"{e(finished)}: " if finished and op.get("phase") != OperationPhase.RUNNING else ""
    steps.append(f"<li>{end}{badge(op.get('phase'))} {e(op.get('message'))}</li>")
    retries = op.get("retry_count") or 0
    retry = f"<p>Retries: {e(retries)}</p>" if retries else ""
    return (
        f'<h2 id="h-operation">Operation {badge(op.get("phase"))}</h2>'
        f'<ol class="timeline">{"".join(steps)}</ol>{retry}'
    )


def _failure(r: Mapping[str, Any]) -> str:
    where = resource_name(r.get("kind"), r.get("namespace"), r.get("name"))
    return f"{e(where)}: {e(r.get('message'))}"


def _groups(
    resources: Sequence[Mapping[str, Any]],
) -> list[tuple[tuple[str, int], list[Mapping[str, Any]]]]:
    grouped: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for r in resources:
        key = (str(r.get("phase") or "Sync"), _int(r.get("wave")))
        grouped.setdefault(key, []).append(r)
    return sorted(grouped.items(), key=lambda kv: (_PHASE_ORDER.get(kv[0][0], 9), kv[0][1]))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _resources(app: AppInfo, csrf: str | None) -> str:
    by_key = {
        (r.get("kind"), r.get("namespace") or "", r.get("name")): r
        for r in app.get("resources") or []
    }
    op_resources = (app.get("operation") or {}).get("resources") or []
    sections: list[str] = []
    seen: set[tuple[Any, Any, Any]] = set()
    headers = ["Kind", "Namespace", "Name", "Sync", "Health", "Result", "Message"]
    for (phase, wave), items in _groups(op_resources):
        rows = []
        for r in items:
            key = (r.get("kind"), r.get("namespace") or "", r.get("name"))
            seen.add(key)
            rows.append(_resource_row(app, r, by_key.get(key), csrf))
        sections.append(table(headers, rows, "none", caption=f"{phase} · wave {wave}"))
    rest = [r for k, r in by_key.items() if k not in seen]
    if rest:
        caption = "Resources" if not sections else "Not in the last operation"
        rows = [_resource_row(app, None, r, csrf) for r in rest]
        sections.append(table(headers, rows, "none", caption=caption))
    if not sections:
        sections.append('<p class="muted">No resources yet.</p>')
    return f'<h2 id="h-resources">Resources</h2>{"".join(sections)}'


def _resource_row(
    app: AppInfo,
    op: Mapping[str, Any] | None,
    live: Mapping[str, Any] | None,
    csrf: str | None,
) -> str:
    src = op or live or {}
    kind = src.get("kind")
    namespace = src.get("namespace") or ""
    name = src.get("name")
    hook = ' <span class="muted">(hook)</span>' if op and op.get("hook") else ""
    sync = badge(live.get("status")) if live else '<span class="muted">—</span>'
    health = badge(live.get("health")) if live and live.get("health") else "—"
    result = badge(op.get("result")) if op else "—"
    messages = [str(m) for m in ((op or {}).get("message"), (live or {}).get("message")) if m]
    message = " · ".join(dict.fromkeys(messages))
    extra = ""
    if kind == "Rollout" and csrf is not None and namespace:
        base = (
            f"/applications/{e(url_segment(app.get('name', '')))}/actions/rollout/"
            f"{e(url_segment(namespace))}/{e(url_segment(name))}"
        )
        hidden = f'<input type="hidden" name="csrf" value="{e(csrf)}">'
        extra = (
            f'<div class="actions"><form method="post" action="{base}/promote">{hidden}'
            f'<button type="submit">Promote</button></form>'
            f'<form method="post" action="{base}/abort">{hidden}'
            f'<button type="submit" class="danger">Abort</button></form></div>'
        )
    return (
        f"<tr><td>{e(kind)}{hook}</td><td>{e(namespace)}</td><td>{e(name)}</td>"
        f"<td>{sync}</td><td>{health}</td><td>{result}</td>"
        f'<td class="msg">{e(message)}{extra}</td></tr>'
    )


def _diff(diffs: Sequence[Mapping[str, Any]] | None) -> str:
    head = '<h2 id="h-diff">Live diff</h2>'
    if diffs is None:
        return head + '<p class="muted">No diff known yet.</p>'
    changed = [d for d in diffs if d.get("diff_text")]
    if not changed:
        return head + "<p>✓ Live state matches Git.</p>"
    blocks = []
    for i, d in enumerate(changed):
        title = resource_name(d.get("kind"), d.get("namespace"), d.get("name"))
        blocks.append(
            f'<details id="diff-{i}"><summary>{e(title)}</summary>'
            f'<pre class="diff">{_diff_lines(str(d.get("diff_text")))}</pre></details>'
        )
    return (
        head + f"<p>{len(changed)} resource(s) differ (Secret values masked).</p>" + "".join(blocks)
    )


def _diff_lines(text: str) -> str:
    """The unified diff, its added and removed lines marked (the +/- stays in the text)."""
    out = []
    for line in text.splitlines():
        css = ""
        if line.startswith("+") and not line.startswith("+++"):
            css = "add"
        elif line.startswith("-") and not line.startswith("---"):
            css = "del"
        out.append(f'<span class="{css}">{e(line)}</span>' if css else e(line))
    return "\n".join(out)


def _history(app: AppInfo, csrf: str | None) -> str:
    entries = list(enumerate(app.get("history") or []))
    manual = app.get("sync_policy") == "manual"
    base = f"/applications/{e(url_segment(app.get('name', '')))}/actions/rollback"
    rows = []
    for index, entry in reversed(entries):
        action = ""
        if csrf is not None and manual:
            action = (
                f'<form method="post" action="{base}"><input type="hidden" name="csrf"'
                f' value="{e(csrf)}"><input type="hidden" name="id" value="{index}">'
                f'<button type="submit">Roll back to {e(short_sha(entry.get("revision")))}'
                "</button></form>"
            )
        rows.append(
            f"<tr><td><code>{e(short_sha(entry.get('revision')))}</code></td>"
            f"<td>{e(when(entry.get('finished_at') or entry.get('started_at')))}</td>"
            f"<td>{badge(entry.get('phase'))}</td>"
            f"<td>{'automated' if entry.get('automated') else 'manual'}</td>"
            f'<td class="msg">{e(entry.get("message"))}{action}</td></tr>'
        )
    headers = ["Revision", "Finished", "Result", "Started by", "Message"]
    return f'<h2 id="h-history">History</h2>{table(headers, rows, "no syncs yet")}'
