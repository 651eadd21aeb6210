"""Helm, Jsonnet and Kustomize run in a child process bounded in memory (RLIMIT_AS) and
time: a hostile chart or snippet ends as one LimitExceeded naming the bound, the file
and the app, the child is gone, and this process's memory does not grow."""

from __future__ import annotations

import resource
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import yaml

from gitsync.errors import RenderError
from gitsync.render import (
    BuildContext,
    Renderer,
    RenderOptions,
    helm_available,
    kustomize_command,
    load_plugins,
)
from gitsync.render.limits import GiB, LimitExceeded, Limits, MiB
from tests.render.helpers import local_tree

# Long enough never to be what stops these renders: the bound under test must be.
GENEROUS = 300.0
HELM_RANGE = {
    "chart/Chart.yaml": "apiVersion: v2\nname: bomb\nversion: 0.1.0\n",
    "chart/templates/cm.yaml": textwrap.dedent(
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: bomb}
        data:
          {{- range $i := until 300000000 }}
          k{{ $i }}: "{{ $i }}"
          {{- end }}
        """
    ),
}
SLOW_JSONNET = (
    "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1);\n"
    '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "slow"}, data: {n: f(60)}}\n'
)


def own_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def children_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def assert_refused(renderer: Renderer, tree: object, path: str, bound: str) -> str:
    before = own_peak_rss()
    with pytest.raises(LimitExceeded) as caught:
        renderer.render(tree, path, context=BuildContext(app_name="hostile"))  # type: ignore[arg-type]
    assert caught.value.bound == bound
    message = str(caught.value)
    assert message.startswith("app hostile: ") and "\n" not in message
    assert own_peak_rss() < before + 64 * MiB  # the growth was the child's alone
    assert children_peak_rss() <= renderer.limits.render_memory_limit
    return message


@pytest.mark.skipif(not helm_available(), reason="needs the helm extra or a helm binary")
def test_helm_range_until_300000000_stops_at_the_memory_limit(tmp_path: Path) -> None:
    renderer = Renderer(limits=Limits(render_memory_limit=2 * GiB, render_timeout=GENEROUS))
    message = assert_refused(
        renderer, local_tree(tmp_path, HELM_RANGE), "chart", "render-memory-limit"
    )
    assert "helm template chart: ran out of memory" in message


def test_jsonnet_make_array_stops_at_the_memory_limit(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/bomb.jsonnet": "std.makeArray(5e7, function(i) {a: i})\n"})
    renderer = Renderer(limits=Limits(render_memory_limit=512 * MiB, render_timeout=GENEROUS))
    message = assert_refused(renderer, tree, "app", "render-memory-limit")
    assert "jsonnet app/bomb.jsonnet: ran out of memory" in message


def test_a_render_past_its_timeout_is_killed(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/slow.jsonnet": SLOW_JSONNET})
    renderer = Renderer(limits=Limits(render_timeout=1.0))
    message = assert_refused(renderer, tree, "app", "render-timeout")
    assert (
        "jsonnet app/slow.jsonnet: still running after 1s: exceeds render-timeout (1s)" in message
    )


def test_jsonnet_output_past_the_byte_bound_is_refused_in_the_child(tmp_path: Path) -> None:
    snippet = (
        '[{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "c" + i}}'
        " for i in std.range(1, 2000)]"
    )
    tree = local_tree(tmp_path, {"app/many.jsonnet": snippet})
    renderer = Renderer(limits=Limits(max_manifest_bytes=10_000))
    message = assert_refused(renderer, tree, "app", "max-manifest-bytes")
    assert "bytes of JSON" in message


@pytest.mark.skipif(kustomize_command() is None, reason="needs kustomize or kubectl")
def test_kustomize_runs_under_the_same_bounds(tmp_path: Path) -> None:
    files = {
        "app/kustomization.yaml": "resources: [cm.yaml]\n",
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    }
    tree = local_tree(tmp_path, files)
    assert [m.obj["metadata"]["name"] for m in Renderer().render(tree, "app")] == ["a"]
    renderer = Renderer(limits=Limits(render_timeout=0.001))
    assert_refused(renderer, tree, "app", "render-timeout")


def test_close_stops_a_running_render_at_once(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/slow.jsonnet": SLOW_JSONNET})
    renderer = Renderer(limits=Limits(render_timeout=GENEROUS))
    errors: list[Exception] = []

    def render() -> None:
        try:
            renderer.render(tree, "app")
        except Exception as err:  # the assertion below looks at it
            errors.append(err)

    worker = threading.Thread(target=render)
    worker.start()
    while not renderer.sandbox.running():
        worker.join(0.01)
    renderer.close()
    worker.join(30)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], RenderError)
    assert "shutting down" in str(errors[0])
    with pytest.raises(RenderError, match="shutting down"):
        renderer.render(tree, "app")


def test_a_plugin_command_runs_under_the_memory_limit(tmp_path: Path) -> None:
    """A config management plugin keeps its own environment and pipes; its commands get
    the same address-space bound as the other renderers."""
    tree = local_tree(tmp_path / "repo", {"app/cm.yaml": "kind: ConfigMap\n"})
    hog = [sys.executable, "-c", "x = bytearray(1 << 30); print('kind: ConfigMap')"]
    plugin = tmp_path / "hog.yaml"
    plugin.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "ConfigManagementPlugin",
                "metadata": {"name": "hog"},
                "spec": {"generate": {"command": hog[:1], "args": hog[1:]}},
            }
        )
    )
    options = RenderOptions.from_source(
        {"repoURL": "https://git.example/r.git", "path": "app", "plugin": {"name": "hog"}}
    )
    renderer = Renderer(
        plugins=load_plugins([str(plugin)]), limits=Limits(render_memory_limit=512 * MiB)
    )
    with pytest.raises(RenderError, match=r"plugin hog: generate exited with status 1: .*Memory"):
        renderer.render(tree, "app", options)
