"""Which Applications exist: the root path's Applications plus what its ApplicationSets
generate, following each ApplicationSet's applicationsSync policy. Pure apart from the
tree and cluster list it is given."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from gitsync.appset import ClusterRecord, TreeProvider, expand, load_documents, reconcile_generated
from gitsync.appset.context import GeneratorEnv
from gitsync.appset.requeue import requeue_after
from gitsync.appset.rollingsync import RollingSync, parse_strategy
from gitsync.errors import GitsyncError
from gitsync.model import Application, SourceKey
from gitsync.render.limits import DEFAULT_LIMITS, Limits
from gitsync.source.tree import Tree


@dataclass(frozen=True)
class Removal:
    """An Application that left the inventory; `prune` says whether its resources go too."""

    app: Application
    prune: bool


@dataclass
class Inventory:
    """The Applications the root currently yields, and which ApplicationSet generated each."""

    apps: dict[str, Application] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # app -> ApplicationSet name
    generated: dict[str, list[Application]] = field(default_factory=dict)  # per appset
    errors: dict[str, str] = field(default_factory=dict)  # appset -> why it kept old apps
    invalid: dict[str, str] = field(default_factory=dict)  # file#index -> why it was refused
    rolling: dict[str, RollingSync] = field(default_factory=dict)  # appset -> its steps
    # The shortest requeueAfterSeconds of any ApplicationSet's generators (None: none).
    requeue_after: float | None = None


def spec_digest(app: Application) -> str:
    """Changes whenever the Application's spec does (what "parameters" means for
    "sync once per revision and parameters")."""
    text = json.dumps(app.spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_inventory(
    tree: Tree,
    path: str,
    previous: Inventory,
    trees: TreeProvider,
    clusters: list[ClusterRecord],
    env: GeneratorEnv | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Inventory, list[Removal]]:
    """The new inventory and the Applications to remove. A broken ApplicationSet keeps
    its previous Applications (reported in `errors`), an invalid Application document
    keeps its previous version, if any (reported in `invalid`); a broken root raises."""
    problems: list[tuple[str, str]] = []
    applications, appsets = load_documents(tree, path, problems, limits)
    out = Inventory(invalid=dict(problems))
    removals: list[Removal] = []
    for app in applications:
        out.apps[app.name] = app
    for app in previous.apps.values():
        if app.location in out.invalid and app.name not in previous.owner:
            out.apps.setdefault(app.name, app)
    for appset in appsets:
        before = previous.generated.get(appset.name, [])
        try:
            generated = expand(appset, trees=trees, clusters=clusters, env=env, limits=limits)
        except GitsyncError as err:
            out.errors[appset.name] = str(err)
            out.generated[appset.name] = before
            if appset.name in previous.rolling:
                out.rolling[appset.name] = previous.rolling[appset.name]
            for app in before:
                out.apps.setdefault(app.name, app)
                out.owner[app.name] = appset.name
            continue
        rolling = parse_strategy((appset.obj.get("spec") or {}).get("strategy"))
        if rolling is not None:
            out.rolling[appset.name] = rolling
        changes = reconcile_generated(before, generated, appset.sync_policy)
        current = [*changes.create, *changes.update, *changes.keep]
        out.generated[appset.name] = sorted(current, key=lambda a: a.name)
        for app in current:
            out.apps.setdefault(app.name, app)
            out.owner[app.name] = appset.name
        removals.extend(Removal(app, changes.delete_resources) for app in changes.delete)
    intervals = [s for s in map(requeue_after, appsets) if s is not None]
    out.requeue_after = min(intervals) if intervals else None
    gone_appsets = set(previous.generated) - {a.name for a in appsets}
    for name in gone_appsets:
        # The ApplicationSet itself was deleted: its Applications go, like Argo CD's
        # cascade, but resources stay unless nothing preserves them (unknown policy: keep).
        removals.extend(Removal(app, False) for app in previous.generated[name])
    plain_gone = [
        app
        for name, app in previous.apps.items()
        if name not in previous.owner and name not in out.apps
    ]
    # A plain Application deleted from Git stops being managed; its resources stay.
    removals.extend(Removal(app, False) for app in plain_gone)
    return out, [r for r in removals if r.app.name not in out.apps]


def app_inputs(app: Application, sha: str) -> str:
    return f"{sha}:{spec_digest(app)}"


def sources_of(apps: Mapping[str, Application]) -> set[SourceKey]:
    return {key for a in apps.values() for key in a.source_keys}
