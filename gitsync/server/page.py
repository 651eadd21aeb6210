"""The read-only HTML status page. Every value is escaped: app names, paths and messages
come from Git and the cluster, so they are untrusted."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

# CSS classes come from this fixed table, never from the data itself.
_STATUS_CLASS = {
    "Synced": "good",
    "Healthy": "good",
    "OutOfSync": "warn",
    "Progressing": "warn",
    "Suspended": "warn",
    "Degraded": "bad",
    "Missing": "bad",
    "Unknown": "unknown",
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}
.good{color:#17803d}.warn{color:#b26b00}.bad{color:#c0262d}.unknown{color:#666}
td.msg{max-width:40em;overflow-wrap:anywhere;color:#555}
code{font-size:90%}
"""

# A strict policy: no scripts at all, only the inline stylesheet above.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"


def render_status_page(apps: Sequence[Mapping[str, Any]], *, title: str = "gitsync") -> str:
    rows = "\n".join(_row(app) for app in apps) or (
        '<tr><td colspan="6" class="unknown">no applications yet</td></tr>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="15">
<title>{_e(title)}</title><style>{_STYLE}</style></head>
<body><h1>{_e(title)}</h1>
<p>{len(apps)} application(s). JSON: <a href="/api/v1/applications">/api/v1/applications</a></p>
<table><thead><tr><th>Application</th><th>Sync</th><th>Health</th><th>Revision</th>
<th>Source</th><th>Message</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""


def _row(app: Mapping[str, Any]) -> str:
    sync_status = str(app.get("sync_status", "Unknown"))
    health = str(app.get("health", "Unknown"))
    revision = str(app.get("revision") or "")[:12]
    target = str(app.get("target_revision") or "")
    source = " ".join(p for p in (str(app.get("repo") or ""), str(app.get("path") or "")) if p)
    message = str(app.get("message") or app.get("health_message") or "")
    return (
        f"<tr><td>{_e(app.get('name', ''))}</td>"
        f'<td class="{_STATUS_CLASS.get(sync_status, "unknown")}">{_e(sync_status)}</td>'
        f'<td class="{_STATUS_CLASS.get(health, "unknown")}">{_e(health)}</td>'
        f"<td><code>{_e(revision)}</code> {_e(target)}</td>"
        f'<td>{_e(source)}</td><td class="msg">{_e(message)}</td></tr>'
    )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
