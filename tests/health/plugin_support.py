"""An installed distribution made on the fly, declaring ``gitsync.health`` entry points."""

from __future__ import annotations

import textwrap
from pathlib import Path

PLUGIN_MODULE = """
from gitsync.health import Health
from gitsync.model.enums import HealthStatus


def database(obj):
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Ready":
        return Health(HealthStatus.HEALTHY, "database is ready")
    if phase == "Broken":
        return Health(HealthStatus.DEGRADED, "database is broken")
    return Health(HealthStatus.PROGRESSING, "database is starting")


def no_opinion(obj):
    return None


def explode(obj):
    raise RuntimeError("boom")
"""


def install_plugin(root: Path) -> Path:
    """Write module `acme_health` and its dist-info under `root`; returns `root`."""
    (root / "acme_health.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    info = root / "acme_health-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-health\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [gitsync.health]
            Database.db.acme.io = acme_health:database
            Cache.db.acme.io = acme_health:no_opinion
            Queue.db.acme.io = acme_health:explode
            """
        ),
        encoding="utf-8",
    )
    return root


def database(phase: str) -> dict[str, object]:
    return {
        "apiVersion": "db.acme.io/v1",
        "kind": "Database",
        "metadata": {"name": "orders", "namespace": "shop"},
        "status": {"phase": phase},
    }
