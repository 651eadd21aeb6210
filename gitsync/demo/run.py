"""The demo's script: clusters, repository, the controller bringing the apps up in
dependency order, a blue-green change pushed through a webhook, a summary."""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from gitsync.appset import expand, load_documents, repo_tree_provider
from gitsync.controller.ordering import parse_wave
from gitsync.demo.clusters import DemoClusters
from gitsync.demo.content import (
    APPSET_DIR,
    APPSET_FILE,
    WEB_IMAGE_NEXT,
    WEB_ROLLOUT,
    DemoRepo,
    initial_files,
    web_image_change,
)
from gitsync.demo.controller import APPS_PATH, NAMESPACE, DemoController, logs_to
from gitsync.demo.follow import (
    AppEvent,
    ChangeFeed,
    Event,
    RolloutEvent,
    TaskEvent,
    Tracker,
    describe_rollout,
    ready,
)
from gitsync.demo.output import Printer
from gitsync.errors import AppSetError
from gitsync.model import Application
from gitsync.source import RepoCache

BLUE_GREEN_SERVICE = "web"
ROLLOUT_NAME = "web"
INTEGRATION_TEST = "integration-test"
PROMOTE = "promote-web"


@dataclass(frozen=True)
class DemoOptions:
    """How the demo runs: timing of the embedded clusters, colour, and whether to stay up."""

    color: bool = True
    keep: bool = False
    ready_delay: float = 0.3  # seconds until a workload is ready: long enough to see waves
    wave_delay: float = 0.2
    poll_interval: float = 10.0  # the change arrives by webhook; polling is the fallback
    settle_timeout: float = 45.0
    # Without a Rollout controller a Rollout never becomes healthy; without the pause
    # gate a blue-green update never leaves its wave. The demo waits this long, then says so.
    rollout_wait: float = 4.0
    gate_wait: float = 15.0
    rollout_controller: bool = True  # False: run the clusters without it


def run_demo(options: DemoOptions) -> int:
    """Run the whole demo; the exit status (0: every step did what it should)."""
    printer = Printer(options.color)
    with tempfile.TemporaryDirectory(prefix="gitsync-demo-") as tmp:
        workdir = Path(tmp)
        with (
            DemoClusters(
                workdir, options.ready_delay, rollouts=options.rollout_controller
            ) as clusters,
            logs_to(workdir / "controller.log"),
        ):
            demo = Demo(options, printer, clusters, workdir)
            try:
                ok = demo.run()
                if options.keep:
                    demo.keep_running()
            finally:
                demo.close()
    return 0 if ok else 1


class Demo:
    """The demo's script: a repository, two clusters, the controller, then an update."""

    def __init__(
        self, options: DemoOptions, printer: Printer, clusters: DemoClusters, workdir: Path
    ) -> None:
        self.options = options
        self.out = printer
        self.clusters = clusters
        self.rollouts = clusters.rollouts
        self.repo = DemoRepo(workdir / "repo")
        self.cache = RepoCache(workdir / "cache")
        self.feed = ChangeFeed()
        self.tracker = Tracker()
        self.controller = DemoController(
            workdir,
            clusters,
            self.repo,
            self.cache,
            wave_delay=options.wave_delay,
            poll_interval=options.poll_interval,
        )
        self.started = False
        self.apps: list[Application] = []
        self.cluster_of: dict[str, str] = {}
        self.waves: dict[str, int] = {}
        self.web_app_of: dict[str, str] = {}  # cluster -> its blue-green app

    def close(self) -> None:
        self.feed.close()
        if self.started:
            self.controller.stop()  # closes the repository cache too
        else:
            self.cache.close()

    # -- the script ---------------------------------------------------------------------
    def run(self) -> bool:
        self._show_clusters()
        files = initial_files(self.repo.url)
        sha = self.repo.commit(files, "shop: orders-db, orders, billing and web")
        self.out.heading(f"Git repository {self.repo.path} (commit {sha[:7]})")
        for name in sorted(files):
            self.out.line(f"   {name}")
        self._generate(sha)
        self._start_controller()
        ok = self._first_sync(sha)
        self._waves_and_hooks()
        self.out.heading("Health, as the controller reports it")
        self._table()
        ok = self._blue_green(files, sha) and ok
        self.out.heading("Health at the end")
        self._table()
        self._next_steps()
        return ok

    def _show_clusters(self) -> None:
        self.out.heading("Two embedded clusters, with the Argo Rollouts CRDs")
        for cluster in self.clusters.clusters:
            self.out.line(f"   {cluster.name:<11} {cluster.sim.url}")
        if not self.rollouts:
            self.out.note(
                "these embedded clusters run no Rollout controller: "
                "Rollouts are applied but never become ready"
            )

    def _generate(self, sha: str) -> None:
        """What the controller will generate, shown up front (`gitsync appset generate`)."""
        _, appsets = load_documents(self.cache.tree(self.repo.url, sha), APPSET_FILE)
        if len(appsets) != 1:
            raise AppSetError(f"{APPSET_FILE}: expected one ApplicationSet")
        appset = appsets[0]
        apps = expand(appset, trees=repo_tree_provider(self.cache), clusters=self.clusters.records)
        for app in apps:
            found = self.clusters.by_server(app.destination.server)
            cluster = found.name if found is not None else app.destination.server
            self.cluster_of[app.name] = cluster
            self.waves[app.name] = parse_wave(app.annotations)
            if app.labels.get("service") == BLUE_GREEN_SERVICE:
                self.web_app_of[cluster] = app.name
        order = [c.name for c in self.clusters.clusters]
        apps.sort(
            key=lambda a: (
                self.waves[a.name],
                order.index(self.cluster_of[a.name]) if self.cluster_of[a.name] in order else 9,
                a.name,
            )
        )
        self.apps = apps
        self.out.heading(
            f"ApplicationSet {appset.name} ({APPSET_FILE}): a matrix of services/*.yaml x "
            f"clusters, {len(apps)} Applications"
        )
        self.out.applications(apps, self.cluster_of)

    def _start_controller(self) -> None:
        home = self.clusters.home
        self.feed.watch_controller(home.name, home.sim, NAMESPACE)
        for cluster in self.clusters.clusters:
            self.feed.watch_rollouts(cluster.name, cluster.sim)
        self.controller.start()
        self.started = True
        self.out.heading("The controller of `gitsync serve`, started in this process")
        self.out.line(
            f"   as if: gitsync serve --repo {self.repo.path} --path {APPSET_DIR} "
            f"--clusters clusters.yaml --kubeconfig {home.name}.kubeconfig "
            f"--wave-delay {self.options.wave_delay:g}s --no-leader-election"
        )
        self.out.line(f"   status API  {self.controller.url}{APPS_PATH}")
        self.out.line(
            f"   state       ConfigMaps in namespace {NAMESPACE} on {home.name}; "
            f"log {self.controller.log_file}"
        )

    # -- 1: the apps come up in dependency order ----------------------------------------
    def _first_sync(self, sha: str) -> bool:
        self.out.heading("The apps come up in dependency order (sync wave of each Application)")
        names = [a.name for a in self.apps]
        web_apps = set(self.web_app_of.values())
        since = time.monotonic()
        deadline = since + self.options.settle_timeout
        stuck_since: float | None = None

        def show(event: Event) -> None:
            if isinstance(event, AppEvent):
                self.out.app_event(event, since, self.waves.get(event.app, 0))

        while True:
            self._drain(show, 0.1)
            pending = [n for n in names if not self._settled(n, sha)]
            if not pending:
                self.out.line(
                    f"   all {len(names)} apps Synced and Healthy after "
                    f"{time.monotonic() - since:.1f}s"
                )
                return True
            if not self.rollouts and set(pending) <= web_apps:
                stuck_since = stuck_since or time.monotonic()
                if time.monotonic() - stuck_since > self.options.rollout_wait:
                    self.out.note(
                        "stopped waiting for the web apps: no Rollout controller in these "
                        "clusters, so their Rollout never becomes available"
                    )
                    return True
            if time.monotonic() > deadline:
                self.out.note(
                    f"not settled after {self.options.settle_timeout:g}s: {', '.join(pending)}"
                )
                return False

    def _waves_and_hooks(self) -> None:
        self.out.heading("Inside each sync: phases, waves and hooks in the order they ran")
        firsts: dict[str, list[tuple[str, ...]]] = {}
        order = [c.name for c in self.clusters.clusters]
        by_service = sorted(
            self.apps,
            key=lambda a: (
                self.waves[a.name],
                a.labels.get("service", ""),
                order.index(self.cluster_of[a.name]) if self.cluster_of[a.name] in order else 9,
            ),
        )
        for app in by_service:
            events = [e for e in self.tracker.task_events(app.name) if e.notable]
            if not events:
                self._stored_at_end(app.name)
                continue
            steps = [_step(e) for e in events]
            service = app.labels.get("service", app.name)
            twin = firsts.get(service)
            if twin is not None and twin == steps:
                self.out.line(f"   {app.name}: the same {len(steps)} steps")
                continue
            firsts.setdefault(service, steps)
            self.out.line(f"   {app.name}")
            since = events[0].at if events else 0.0
            for event in events:
                self.out.task_event(event, since)

    def _stored_at_end(self, app: str) -> None:
        """A sync of one wave without hooks is stored only at its end: its resources as the
        app's status shows them."""
        op = (self.tracker.statuses.get(app) or {}).get("operation") or {}
        resources = op.get("resources") or []
        self.out.line(f"   {app}: one wave, no hooks (stored only at its end)")
        for r in resources:
            where = "/".join(p for p in (r.get("kind"), r.get("namespace"), r.get("name")) if p)
            self.out.line(
                f"            {r.get('phase', ''):<8} wave {r.get('wave', 0):>2}  "
                f"{where:<40} {r.get('result', '')}"
            )

    # -- 2: a blue-green change ---------------------------------------------------------
    def _blue_green(self, files: dict[str, str], before: str) -> bool:
        self.out.heading(f"A new web image: {WEB_IMAGE_NEXT} (blue-green, gated at its pause)")
        if not self.rollouts:
            self.out.note(
                "skipped: the gated blue-green flow needs the Rollout controller of the "
                "embedded clusters, which they do not run"
            )
            return True
        after = self.repo.commit(web_image_change(files), f"web: ship {WEB_IMAGE_NEXT}")
        self.out.line(f"   committed {after[:7]}: web: ship {WEB_IMAGE_NEXT} ({WEB_ROLLOUT})")
        self.tracker.forget_waits()
        since = time.monotonic()
        queued = self.controller.push_webhook(self.repo, before, after, [WEB_ROLLOUT])
        self.out.line(
            f"   POST {self.controller.url}/api/webhook (GitHub push): {queued} refreshes queued"
        )
        self.out.line(
            "   expected: a preview ReplicaSet comes up behind web-preview while web-active "
            "keeps 1.0.0;"
        )
        self.out.line(
            "   the Rollout pauses, the pause gate lets the sync go on, PostSync tests the "
            "preview (wave 0), then promotes it (wave 1)"
        )
        web_apps = set(self.web_app_of.values())
        story = {app: Story() for app in web_apps}
        # Both clusters run the same update at once: one is told step by step, both are
        # summed up at the end.
        told = self.web_app_of.get(self.clusters.home.name, "")
        others = sorted(web_apps - {told})
        if others:
            self.out.line(
                f"   step by step for {told}; {', '.join(others)} runs the same update "
                "alongside (summary below)"
            )
        rollout_shown: dict[str, tuple[str, str]] = {}

        def show(event: Event) -> None:
            if isinstance(event, AppEvent) and event.app in web_apps:
                self.out.app_event(event, since, self.waves.get(event.app, 0))
            elif isinstance(event, TaskEvent) and event.app in web_apps and event.notable:
                story[event.app].task(event, since)
                if event.app == told and (event.result.hook or event.result.kind == "Rollout"):
                    self.out.task_event(event, since, app=True)
            elif isinstance(event, RolloutEvent) and event.cluster in self.web_app_of:
                app = self.web_app_of[event.cluster]
                story[app].rollout(event, since, WEB_IMAGE_NEXT)
                # a line when its state changes, not for every replica count on the way
                state = (event.view.health, event.view.message)
                if app == told and rollout_shown.get(app) != state:
                    rollout_shown[app] = state
                    self.out.rollout_event(event, since, app)

        deadline = since + self.options.settle_timeout
        names = [a.name for a in self.apps]
        while True:
            self._drain(show, 0.1)
            done = all(self._settled(n, after) for n in names) and all(
                self._synced_at(app, after) for app in web_apps
            )
            if done:
                break
            waited = time.monotonic() - since
            if waited > self.options.gate_wait and not any(s.tested for s in story.values()):
                self.out.note(
                    "the paused Rollout kept its wave waiting, so PostSync never ran: this "
                    "build has no Rollout pause gate (gitsync.io/sync-gate: pause); the rest "
                    "of the blue-green flow is skipped"
                )
                return True
            if time.monotonic() > deadline:
                self.out.note(f"the web apps did not settle at {after[:7]} in time")
                return False
        self.out.line(f"   settled after {time.monotonic() - since:.1f}s")
        ok = True
        for app in sorted(web_apps):
            self.out.line(f"   {app}: {story[app].summary()}")
            ok = ok and story[app].complete
        return ok

    # -- helpers ------------------------------------------------------------------------
    def _drain(self, show: Callable[[Event], None], wait: float) -> None:
        """Handle every change that arrived, waiting up to `wait` for the first."""
        change = self.feed.next(wait)
        while change is not None:
            for event in self.tracker.update(change):
                show(event)
            change = self.feed.next(0)

    def _settled(self, app: str, revision: str) -> bool:
        status = self.tracker.statuses.get(app)
        return status is not None and status.get("revision") == revision and ready(status)

    def _synced_at(self, app: str, revision: str) -> bool:
        status = self.tracker.statuses.get(app) or {}
        history = status.get("history") or []
        return bool(history) and history[-1].get("revision") == revision

    def _table(self) -> None:
        rollouts: dict[str, str] = {}
        for cluster, app in self.web_app_of.items():
            view = self.tracker.rollout(cluster, BLUE_GREEN_SERVICE, ROLLOUT_NAME)
            if view is not None:
                rollouts[app] = f"Rollout/{view.namespace}/{view.name} {describe_rollout(view)}"
        self.out.status_table(
            [a.name for a in self.apps], self.tracker.statuses, self.cluster_of, rollouts
        )

    def _next_steps(self) -> None:
        url = self.controller.url
        example = self.web_app_of.get(self.clusters.home.name, "web-staging")
        self.out.heading("Where to look next")
        steps: list[tuple[str, str]] = []
        if not self.options.keep:
            steps.append(("gitsync demo --keep", "keep the clusters and the controller up, then:"))
        steps += [
            (f"gitsync app list --server {url}", "every app: sync, health, wave, waits"),
            (f"gitsync app get {example} --server {url}", "resources, operation, history"),
            (f"curl {url}{APPS_PATH}", "the same status as JSON"),
            (f"{url}/", "the status page (/metrics: Prometheus)"),
            ("gitsync serve --repo DIR --path DIR", "the controller on your own repository"),
            ("gitsync diff PATH / gitsync sync PATH", "one app by hand, without a controller"),
            ("applicationsets/ services/ apps/", "this repository: examples to start from"),
        ]
        width = max(len(command) for command, _ in steps)
        for command, what in steps:
            self.out.line(f"   {command:<{width}}  {what}")

    def keep_running(self) -> None:
        self.feed.close()  # nothing reads it any more
        url = self.controller.url
        self.out.heading("The clusters and the controller keep running until Ctrl-C")
        self.out.line(f"   status page  {url}/")
        self.out.line(f"   status API   curl {url}{APPS_PATH}")
        self.out.line(f"   apps         gitsync app list --server {url}")
        example = self.web_app_of.get(self.clusters.home.name, "web-staging")
        self.out.line(f"                gitsync app get {example} --server {url}")
        for cluster in self.clusters.clusters:
            self.out.line(
                f"   {cluster.name:<11}  kubectl --kubeconfig {cluster.kubeconfig} get all -A"
            )
        self.out.line(
            f"   repository   {self.repo.path}: commit there; the controller polls every "
            f"{self.options.poll_interval:g}s"
        )
        self.out.line(f"   log          {self.controller.log_file}")
        previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.out.line("   stopping the controller and the clusters")
        finally:
            signal.signal(signal.SIGTERM, previous)


class Story:
    """What one blue-green update did, in order: paused with the preview ready, tested,
    promoted, healthy on the new image."""

    def __init__(self) -> None:
        self.paused: float | None = None
        self.tested: float | None = None
        self.promoted: float | None = None
        self.healthy: float | None = None

    def rollout(self, event: RolloutEvent, since: float, image: str) -> None:
        view = event.view
        at = event.at - since
        preview = [rs for rs in view.replica_sets if "preview" in rs.roles]
        preview_ready = any(rs.available >= rs.desired > 0 and image in rs.images for rs in preview)
        if self.paused is None and view.pause_reasons and preview_ready:
            self.paused = at
        active = [rs for rs in view.replica_sets if "active" in rs.roles]
        serving_new = any(image in rs.images for rs in active)
        # The promotion shows on the Rollout a moment before the hook's own success.
        if self.paused is not None and view.health == "Healthy" and serving_new:
            self.healthy = self.healthy if self.healthy is not None else at

    def task(self, event: TaskEvent, since: float) -> None:
        result = event.result
        if not result.hook or event.outcome != "Succeeded":
            return
        if result.name == INTEGRATION_TEST and self.paused is not None:
            self.tested = event.at - since
        if result.name == PROMOTE and self.tested is not None:
            self.promoted = event.at - since

    @property
    def complete(self) -> bool:
        return None not in (self.paused, self.tested, self.promoted, self.healthy)

    def summary(self) -> str:
        steps = [
            ("paused, preview ready", self.paused),
            (f"{INTEGRATION_TEST} Succeeded", self.tested),
            (f"{PROMOTE} Succeeded", self.promoted),
            ("Rollout Healthy on the new image", self.healthy),
        ]
        shown = [f"{what} (+{at:.1f}s)" for what, at in steps if at is not None]
        missing = [what for what, at in steps if at is None]
        text = " -> ".join(shown) or "nothing happened"
        return text + (f"; missing: {', '.join(missing)}" if missing else "")


def _step(event: TaskEvent) -> tuple[str, ...]:
    result = event.result
    return (result.phase, str(result.wave), str(result.hook), result.resource, event.outcome)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
