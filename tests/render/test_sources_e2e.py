"""`gitsync serve` as a subprocess with sources it must not render empty: a plugin that
is not configured and a chart dependency that cannot be fetched leave the app with a
ComparisonError and its live objects untouched; a configured plugin renders, syncs and
runs again only when the revision or its env changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.render import helm_available
from gitsync.sim import SimCluster
from tests.controller.harness import Env, configmap, wait_for
from tests.gitrepo import GitRepo


def application(
    name: str, repo_url: str, server: str, source: dict[str, Any], namespace: str = "default"
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo_url, "targetRevision": "HEAD", **source},
            "destination": {"server": server, "namespace": namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


def comparison_error(app: dict[str, Any], fragment: str) -> bool:
    return any(c.startswith("ComparisonError") and fragment in c for c in app["conditions"])


@pytest.mark.skipif(not helm_available(), reason="rendering needs helm-python-sdk or helm")
def test_unrenderable_sources_keep_live_objects(tmp_path: Path) -> None:
    chart = {"apiVersion": "v2", "name": "web", "version": "0.1.0"}
    with SimCluster(controllers=True, ready_delay=0.0, port=0) as sim:
        repo = GitRepo.create(tmp_path / "repo", files={"README.md": "x\n"})
        plain = application("plain", repo.url, sim.url, {"path": "apps/plain"})
        web = application("web", repo.url, sim.url, {"path": "charts/web"})
        repo.commit(
            files={
                "apps/plain/cm.yaml": configmap("plain-cm", "one"),
                "charts/web/Chart.yaml": yaml.safe_dump(chart),
                "charts/web/templates/cm.yaml": configmap("web-cm", "one"),
                "root/apps.yaml": yaml.safe_dump_all([plain, web]),
            }
        )
        env = Env(tmp_path, [sim], repo)
        try:
            env.start()
            env.wait_apps(
                lambda a: all(
                    name in a and a[name]["history"] and a[name]["sync_status"] == "Synced"
                    for name in ("plain", "web")
                ),
                timeout=60,
                what="both apps synced",
            )
            assert sim.get_object("v1", "ConfigMap", "default", "plain-cm") is not None
            assert sim.get_object("v1", "ConfigMap", "default", "web-cm") is not None

            # One commit: `plain` now asks for a plugin nobody configured, and `web`
            # gains a dependency on a repository that does not answer.
            plain["spec"]["source"]["plugin"] = {"name": "kustomize-envsubst"}
            chart["dependencies"] = [
                {"name": "redis", "version": "^17.0.0", "repository": "http://127.0.0.1:9/c"}
            ]
            repo.commit(
                files={
                    "charts/web/Chart.yaml": yaml.safe_dump(chart),
                    "root/apps.yaml": yaml.safe_dump_all([plain, web]),
                }
            )
            apps = env.wait_apps(
                lambda a: (
                    comparison_error(a["plain"], "'kustomize-envsubst' is not configured")
                    and comparison_error(a["web"], "dependency redis from http://127.0.0.1:9/c")
                ),
                timeout=60,
                what="both apps with a ComparisonError",
            )
            assert apps["plain"]["sync_status"] == "Unknown"
            # Reconciled again after the error: still nothing applied, nothing pruned.
            seen = apps["plain"]["reconciled_at"]
            env.wait_apps(
                lambda a: a["plain"]["reconciled_at"] > seen, timeout=30, what="another poll"
            )
            assert sim.get_object("v1", "ConfigMap", "default", "plain-cm") is not None
            assert sim.get_object("v1", "ConfigMap", "default", "web-cm") is not None
            assert len(env.apps()["plain"]["history"]) == 1
        finally:
            if env.proc is not None:
                env.stop()


PLUGIN_SCRIPT = """\
echo run >> {count}
cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: $ARGOCD_APP_NAME-greeting
data:
  greeting: "$ARGOCD_ENV_GREETING"
  revision: "$ARGOCD_APP_REVISION_SHORT"
  kube: "$KUBE_VERSION"
  template: "$(cat template.txt)"
EOF
"""


def test_cmp_plugin_renders_syncs_and_caches(tmp_path: Path) -> None:
    count = tmp_path / "runs.txt"
    count.write_text("")
    plugin = tmp_path / "plugins" / "greeter.yaml"
    plugin.parent.mkdir()
    plugin.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "ConfigManagementPlugin",
                "metadata": {"name": "greeter"},
                "spec": {
                    "version": "v1.0",
                    "generate": {
                        "command": ["sh", "-c"],
                        "args": [PLUGIN_SCRIPT.format(count=count)],
                    },
                },
            }
        )
    )

    def runs() -> int:
        return len(count.read_text().splitlines())

    with SimCluster(controllers=True, ready_delay=0.0, port=0) as sim:
        source = GitRepo.create(tmp_path / "source", files={"apps/shop/template.txt": "v1"})
        root = GitRepo.create(tmp_path / "root", files={"README.md": "x\n"})

        def publish(greeting: str) -> None:
            plugin_source = {
                "path": "apps/shop",
                "plugin": {
                    "name": "greeter-v1.0",
                    "env": [{"name": "GREETING", "value": greeting}],
                },
            }
            app = application("shop", source.url, sim.url, plugin_source)
            root.commit(files={"root/shop.yaml": yaml.safe_dump(app)})

        def live(field: str) -> str:
            obj = sim.get_object("v1", "ConfigMap", "default", "shop-greeting")
            return str(obj["data"][field]) if obj is not None else ""

        publish("hello")
        # The app's source is a second local repository: allowed by name, as an operator would.
        allow = ["--allow-local-repos", str(source.path)]
        env = Env(tmp_path, [sim], root, extra_args=["--plugins-dir", str(plugin.parent), *allow])
        try:
            env.start()
            apps = env.wait_apps(
                lambda a: "shop" in a and a["shop"]["history"] and a["shop"]["health"] == "Healthy",
                timeout=60,
                what="the plugin app synced",
            )
            assert apps["shop"]["sync_status"] == "Synced", apps["shop"]
            assert (live("greeting"), live("revision"), live("template")) == (
                "hello",
                source.head[:7],
                "v1",
            )
            assert live("kube") == "1.32.0"  # the destination's version
            assert runs() == 1
            # Polls at the same revision and env render from the cache.
            seen = apps["shop"]["reconciled_at"]
            for _ in range(3):
                seen = env.wait_apps(
                    lambda a, after=seen: a["shop"]["reconciled_at"] > after,
                    timeout=30,
                    what="another poll",
                )["shop"]["reconciled_at"]
            assert runs() == 1

            # A new revision of the source runs the plugin again.
            source.commit(files={"apps/shop/template.txt": "v2"})
            wait_for(lambda: live("template") == "v2", timeout=60, what="v2 synced")
            assert runs() == 2 and live("revision") == source.head[:7]

            # So does a change of its env (the source's revision unchanged).
            publish("bonjour")
            wait_for(lambda: live("greeting") == "bonjour", timeout=60, what="new env synced")
            assert runs() == 3
        finally:
            if env.proc is not None:
                env.stop()
