"""Config management plugins: selection, environment, limits and caching, with real
plugin commands run as subprocesses."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.errors import ManifestError, RenderError, UserInputError
from gitsync.render import (
    BuildContext,
    PluginLimits,
    Renderer,
    RenderOptions,
    load_plugins,
)
from gitsync.source import RepoCache
from tests.gitrepo import GitRepo
from tests.render.helpers import cm, local_tree

# Prints one ConfigMap whose data is the environment the plugin saw (as JSON).
ECHO_ENV = r"""
import json, os, sys
env = {k: v for k, v in os.environ.items()}
name = env.get("ARGOCD_APP_NAME") or "unnamed"
print(json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
  "metadata": {"name": name}, "data": {"env": json.dumps(env, sort_keys=True),
  "cwd": os.getcwd()}}))
"""


def plugin_file(
    folder: Path,
    name: str,
    generate: list[str],
    *,
    version: str = "",
    init: list[str] | None = None,
    discover: dict[str, Any] | None = None,
) -> Path:
    spec: dict[str, Any] = {"generate": {"command": generate[:1], "args": generate[1:]}}
    if version:
        spec["version"] = version
    if init:
        spec["init"] = {"command": init}
    if discover:
        spec["discover"] = discover
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ConfigManagementPlugin",
        "metadata": {"name": name},
        "spec": spec,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def echo_plugin(folder: Path, name: str = "echo", **kwargs: Any) -> Path:
    script = folder / "echo_env.py"
    folder.mkdir(parents=True, exist_ok=True)
    script.write_text(ECHO_ENV)
    return plugin_file(folder, name, ["python3", str(script)], **kwargs)


def source(plugin: dict[str, Any] | None = None, **extra: Any) -> RenderOptions:
    spec: dict[str, Any] = {"repoURL": "https://git.example/repo.git", "path": "app", **extra}
    if plugin is not None:
        spec["plugin"] = plugin
    return RenderOptions.from_source(spec, app_name="shop", namespace="web")


CONTEXT = BuildContext(
    app_name="shop",
    app_namespace="web",
    project="team",
    repo_url="https://git.example/repo.git",
    target_revision="main",
    kube_version="1.32.0",
    api_versions=("v1", "apps/v1"),
)


def rendered_env(manifests: list[Any]) -> dict[str, str]:
    assert len(manifests) == 1
    env: dict[str, str] = json.loads(manifests[0].obj["data"]["env"])
    return env


def test_named_plugin_gets_argo_cds_environment_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITSYNC_API_TOKEN", "do-not-leak")
    plugins = load_plugins([str(echo_plugin(tmp_path / "plugins", version="v1.0"))])
    repo = GitRepo.create(tmp_path / "repo", files={"app/cm.yaml": cm("plain")})
    tree = RepoCache(tmp_path / "cache").tree(repo.url, repo.head)
    options = source(
        {
            "name": "echo-v1.0",
            "env": [
                {"name": "FOO", "value": "bar"},
                {"name": "REV", "value": "r-$ARGOCD_APP_NAME"},
            ],
            "parameters": [
                {"name": "values-files", "array": ["a.yaml", "b.yaml"]},
                {"name": "helm-parameters", "map": {"image.tag": "v1.2.3"}},
                {"name": "mode", "string": "fast"},
            ],
        }
    )
    manifests = Renderer(plugins=plugins).render(tree, "app", options, context=CONTEXT)
    env = rendered_env(manifests)
    assert manifests[0].source == "app (plugin echo-v1.0)"
    assert env["ARGOCD_APP_NAME"] == "shop"
    assert env["ARGOCD_APP_NAMESPACE"] == "web"
    assert env["ARGOCD_APP_PROJECT_NAME"] == "team"
    assert env["ARGOCD_APP_REVISION"] == repo.head
    assert env["ARGOCD_APP_REVISION_SHORT"] == repo.head[:7]
    assert env["ARGOCD_APP_SOURCE_REPO_URL"] == "https://git.example/repo.git"
    assert env["ARGOCD_APP_SOURCE_PATH"] == "app"
    assert env["ARGOCD_APP_SOURCE_TARGET_REVISION"] == "main"
    assert env["KUBE_VERSION"] == "1.32.0"
    assert env["KUBE_API_VERSIONS"] == "v1,apps/v1"
    assert env["ARGOCD_ENV_FOO"] == "bar"
    assert env["ARGOCD_ENV_REV"] == "r-shop"  # build variables are interpolated
    assert env["PARAM_VALUES_FILES_0"] == "a.yaml"
    assert env["PARAM_VALUES_FILES_1"] == "b.yaml"
    assert env["PARAM_HELM_PARAMETERS_IMAGE_TAG"] == "v1.2.3"
    assert env["PARAM_MODE"] == "fast"
    assert json.loads(env["ARGOCD_APP_PARAMETERS"]) == [
        {"name": "values-files", "array": ["a.yaml", "b.yaml"]},
        {"name": "helm-parameters", "map": {"image.tag": "v1.2.3"}},
        {"name": "mode", "string": "fast"},
    ]
    assert "GITSYNC_API_TOKEN" not in env and "FOO" not in env
    assert env["HOME"] != os.environ.get("HOME")
    cwd = Path(manifests[0].obj["data"]["cwd"])
    assert cwd.name == "app" and cwd.parent.parent == Path(env["HOME"])
    assert not cwd.exists()  # the scratch copy is gone


def test_plugin_names_and_unconfigured_plugins(tmp_path: Path) -> None:
    tree = local_tree(tmp_path / "repo", {"app/cm.yaml": cm("plain")})
    plugins = load_plugins([str(echo_plugin(tmp_path / "plugins", version="v1.0"))])
    renderer = Renderer(plugins=plugins)
    with pytest.raises(RenderError, match=r"'echo' is not configured .*configured: echo-v1\.0"):
        renderer.render(tree, "app", source({"name": "echo"}))
    with pytest.raises(RenderError, match="'other' is not configured"):
        renderer.render(tree, "app", source({"name": "other"}))
    # No plugins at all: `plugin: {}` is an error, never the plain directory.
    with pytest.raises(RenderError, match="none is configured"):
        Renderer().render(tree, "app", source({}))
    with pytest.raises(RenderError, match=r"'echo' is not configured .*configured: none"):
        Renderer().render(tree, "app", source({"name": "echo", "env": [{"name": "A"}]}))
    # A plugin without discovery rules is never discovered.
    with pytest.raises(RenderError, match="discovery rules match"):
        renderer.render(tree, "app", source({}))
    assert [m.key.name for m in Renderer(plugins=plugins).render(tree, "app")] == ["plain"]


def test_discovery_by_file_name_glob_and_command(tmp_path: Path) -> None:
    tree = local_tree(
        tmp_path / "repo",
        {
            "a/cm.yaml": cm("a"),
            "b/deep/er/marker.env": "x",
            "c/flag.txt": "x",
            "d/cm.yaml": cm("d"),
        },
    )
    folder = tmp_path / "plugins"
    files = [
        echo_plugin(folder, "by-name", discover={"fileName": "./*.yaml"}),
        echo_plugin(folder, "by-glob", discover={"find": {"glob": "**/*.env"}}),
        echo_plugin(
            folder,
            "by-command",
            discover={"find": {"command": ["sh", "-c", "ls flag.txt 2>/dev/null || true"]}},
        ),
    ]
    renderer = Renderer(plugins=load_plugins([str(f) for f in files]))

    def used(path: str, plugin: dict[str, Any] | None = None) -> str:
        manifests = renderer.render(tree, path, RenderOptions.from_source(_spec(path, plugin)))
        return manifests[0].source

    assert used("a") == "a (plugin by-name)"  # a source without `plugin` is discovered too
    assert used("b") == "b (plugin by-glob)"
    assert used("c", {}) == "c (plugin by-command)"
    assert used("a", {"name": "by-name"}) == "a (plugin by-name)"
    with pytest.raises(RenderError, match="by-glob does not support a: its discovery rules"):
        used("a", {"name": "by-glob"})
    # An explicit type wins over discovery.
    directory = RenderOptions.from_source({**_spec("d", None), "directory": {"recurse": True}})
    assert renderer.render(tree, "d", directory)[0].source == "d/cm.yaml"


def _spec(path: str, plugin: dict[str, Any] | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"repoURL": "r", "path": path}
    if plugin is not None:
        spec["plugin"] = plugin
    return spec


def test_init_runs_before_generate_in_a_scratch_copy(tmp_path: Path) -> None:
    tree = local_tree(tmp_path / "repo", {"app/cm.yaml": cm("from-repo"), "lib/x.txt": "lib"})
    plugin = plugin_file(
        tmp_path / "plugins",
        "init-gen",
        ["sh", "-c", "cat made.yaml; cat ../lib/x.txt >&2"],
        init=["sh", "-c", "sed s/from-repo/made-by-init/ cm.yaml > made.yaml"],
    )
    renderer = Renderer(plugins=load_plugins([str(plugin)]))
    manifests = renderer.render(tree, "app", source({"name": "init-gen"}))
    assert [m.key.name for m in manifests] == ["made-by-init"]
    assert not (tmp_path / "repo/app/made.yaml").exists()  # the repository is untouched


def test_failures_timeouts_and_output_cap(tmp_path: Path) -> None:
    tree = local_tree(tmp_path / "repo", {"app/cm.yaml": cm("a")})
    folder = tmp_path / "plugins"
    plugins = load_plugins(
        [
            str(plugin_file(folder, "fails", ["sh", "-c", "echo one >&2; echo two >&2; exit 3"])),
            str(plugin_file(folder, "slow", ["sleep", "30"])),
            str(plugin_file(folder, "loud", ["sh", "-c", "yes 'a: b' | head -c 300000"])),
            str(plugin_file(folder, "missing", ["/nonexistent/tool"])),
            str(plugin_file(folder, "bad-yaml", ["echo", "kind: [x"])),
        ]
    )
    renderer = Renderer(plugins=plugins, plugin_limits=PluginLimits(timeout=1, max_output=1000))

    def error(name: str) -> str:
        with pytest.raises(RenderError) as info:
            renderer.render(tree, "app", source({"name": name}))
        return str(info.value)

    assert error("fails") == "plugin fails: generate exited with status 3: one | two"
    assert error("slow") == "plugin slow: generate timed out after 1s"
    assert error("loud") == "plugin loud: generate wrote more than 1000 bytes"
    assert "'/nonexistent/tool' not found" in error("missing")
    with pytest.raises(ManifestError, match=r"app \(plugin bad-yaml\):2: invalid YAML"):
        renderer.render(tree, "app", source({"name": "bad-yaml"}))


def test_rendered_again_only_when_revision_or_env_changes(tmp_path: Path) -> None:
    plugins = load_plugins([str(echo_plugin(tmp_path / "plugins"))])
    repo = GitRepo.create(tmp_path / "repo", files={"app/cm.yaml": cm("a")})
    cache = RepoCache(tmp_path / "cache")
    renderer = Renderer(plugins=plugins)

    def render(sha: str, foo: str) -> None:
        options = source({"name": "echo", "env": [{"name": "FOO", "value": foo}]})
        renderer.render(cache.tree(repo.url, sha), "app", options, context=CONTEXT)

    first = repo.head
    render(first, "1")
    render(first, "1")
    assert renderer.plugins.runs == 1
    render(first, "2")
    assert renderer.plugins.runs == 2
    second = repo.commit(files={"other.txt": "x"})
    render(second, "2")
    render(second, "2")
    assert renderer.plugins.runs == 3


def test_plugin_files_are_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    cases = {
        "kind: Other\n": "expected kind ConfigManagementPlugin",
        "kind: ConfigManagementPlugin\nmetadata: {name: x}\nspec: {}\n": "generate.command",
        "kind: ConfigManagementPlugin\nmetadata: {name: x}\n"
        "spec: {generate: {command: [a]}, provideGitCreds: true}\n": "provideGitCreds",
        "kind: ConfigManagementPlugin\nmetadata: {name: x}\n"
        "spec: {generate: {command: [a]}, bogus: 1}\n": "unknown field spec.bogus",
        "a: [": "invalid YAML",
    }
    for text, message in cases.items():
        bad.write_text(text)
        with pytest.raises(UserInputError, match=message):
            load_plugins([str(bad)])
    with pytest.raises(UserInputError, match="no such file"):
        load_plugins([str(tmp_path / "nope.yaml")])
    folder = tmp_path / "dir"
    echo_plugin(folder, "one")
    (folder / "..data").mkdir()  # as a ConfigMap mount has
    (folder / "notes.txt").write_text("not a plugin")
    assert sorted(load_plugins(directories=[str(folder)]).plugins) == ["one"]
    with pytest.raises(UserInputError, match="configured twice"):
        load_plugins([str(folder / "one.yaml")], [str(folder)])


def test_scratch_copy_is_bounded_and_file_modes_opt_in(tmp_path: Path) -> None:
    script = "#!/bin/sh\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: m}\\n'\n"
    repo = GitRepo.create(tmp_path / "repo", files={"app/b.txt": "x" * 100})
    (repo.path / "app/run.sh").write_text(script)
    (repo.path / "app/run.sh").chmod(0o755)
    sha = repo.commit()
    tree = RepoCache(tmp_path / "cache").tree(repo.url, sha)
    folder = tmp_path / "plugins"
    plugin_file(folder, "mode", ["sh", "-c", "test -x run.sh && ./run.sh"])
    text = (
        (folder / "mode.yaml").read_text().replace("spec:\n", "spec:\n  preserveFileMode: true\n")
    )
    (folder / "mode.yaml").write_text(text)
    plugin_file(
        folder, "plain", ["sh", "-c", "test -x run.sh || sh run.sh | sed s/ConfigMap/Secret/"]
    )
    plugins = load_plugins(directories=[str(folder)])
    for name, kind in (("mode", "ConfigMap"), ("plain", "Secret")):
        manifests = Renderer(plugins=plugins).render(tree, "app", source({"name": name}))
        assert [m.key.kind for m in manifests] == [kind]
    small = Renderer(plugins=plugins, plugin_limits=PluginLimits(max_copy_bytes=50))
    with pytest.raises(RenderError, match="larger than 50 bytes"):
        small.render(tree, "app", source({"name": "plain"}))
    few = Renderer(plugins=plugins, plugin_limits=PluginLimits(max_copy_files=1))
    with pytest.raises(RenderError, match="more than 1 files"):
        few.render(tree, "app", source({"name": "plain"}))
