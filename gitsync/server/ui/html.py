"""HTML building blocks of the web UI. Every value goes through `e`: app names, paths,
messages and diffs come from Git and the cluster, so they are untrusted."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

# The CSS class and the symbol of a state come from this fixed table, never from the data,
# and the state's name is always written beside them: colour is never the only signal.
_STATE = {
    "Synced": ("good", "✓"),
    "Healthy": ("good", "✓"),
    "Succeeded": ("good", "✓"),
    "OutOfSync": ("warn", "≠"),
    "Progressing": ("warn", "↻"),
    "Running": ("warn", "↻"),
    "Suspended": ("warn", "⏸"),
    "Pending": ("warn", "…"),
    "Waiting": ("warn", "…"),
    "Degraded": ("bad", "✗"),
    "Missing": ("bad", "?"),
    "Failed": ("bad", "✗"),
    "Error": ("bad", "✗"),
    "RequiresPruning": ("warn", "⌫"),
}


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def url_segment(value: Any) -> str:
    """`value` as one path segment of a link (``/`` and everything else encoded)."""
    return quote(str(value), safe="")


def app_link(name: str) -> str:
    return f'<a href="/applications/{e(url_segment(name))}">{e(name)}</a>'


def appset_link(name: str) -> str:
    return f'<a href="/applicationsets/{e(url_segment(name))}">{e(name)}</a>'


def badge(state: Any) -> str:
    text = str(state or "Unknown")
    css, symbol = _STATE.get(text, ("unknown", "·"))
    return f'<span class="badge {css}"><span aria-hidden="true">{symbol}</span> {e(text)}</span>'


def state_class(state: Any) -> str:
    return _STATE.get(str(state or ""), ("unknown", ""))[0]


def short_sha(revision: Any) -> str:
    text = str(revision or "")
    if len(text) == 40 and all(c in "0123456789abcdef" for c in text):
        return text[:10]
    return text


def when(stamp: Any) -> str:
    """A unix time as UTC text; empty for none."""
    try:
        value = float(stamp or 0)
    except (TypeError, ValueError):
        return ""
    if value <= 0:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value))


def resource_name(kind: Any, namespace: Any, name: Any) -> str:
    """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped)."""
    return "/".join(str(p) for p in (kind, namespace, name) if p)


def table(headers: list[str], rows: Iterable[str], empty: str, caption: str = "") -> str:
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headers)
    body = "\n".join(rows)
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="muted">{e(empty)}</td></tr>'
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def layout(
    title: str,
    body: str,
    *,
    site: str = "gitsync",
    user: Mapping[str, Any] | None = None,
    live: str = "",
    live_id: str = "",
) -> str:
    """A whole page. `live` names what the live-update script watches ("" for none) and
    `live_id` is the digest of what the page shows of it, so a change made between the
    render and the script's first connection is not missed."""
    who = ""
    if user is not None:
        if user.get("logged_in"):
            who = (
                '<form method="post" action="/logout" class="inline">'
                f'<input type="hidden" name="csrf" value="{e(user.get("csrf", ""))}">'
                '<button type="submit">Log out</button></form>'
            )
        elif user.get("login_possible"):
            who = '<a href="/login">Log in</a>'
    live_attr = f' data-live-stream="{e(live)}" data-live-id="{e(live_id)}"' if live else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · {e(site)}</title>
<link rel="stylesheet" href="/ui/static/ui.css">
<script src="/ui/static/ui.js" defer></script>
</head>
<body{live_attr}>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/">{e(site)}</a>
<nav aria-label="account">{who}</nav></header>
<main id="main" tabindex="-1">
{body}
</main>
<p id="live-status" class="muted" role="status" aria-live="polite"></p>
</body></html>
"""
