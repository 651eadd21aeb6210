"""The plugin and pullRequest generators against a local server that answers as a
plugin, GitHub and Gitea do."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.appset import expand
from gitsync.appset.context import GeneratorEnv
from gitsync.appset.generators.pullrequest import branch_slug
from gitsync.appset.resources import DocumentResources
from gitsync.errors import AppSetError
from gitsync.model import ApplicationSet
from tests.appset.fakeapis import FakeApis, fake_apis, pull

TOKEN = "s3cr3t-token-value"


def _nested(depth: int) -> dict[str, Any]:
    inner: Any = 1
    for _ in range(depth):
        inner = {"a": inner}
    return {"output": {"parameters": [inner]}}


@pytest.fixture
def apis() -> Iterator[FakeApis]:
    with fake_apis() as state:
        state.plugin_token = TOKEN
        yield state


def _secret(name: str, namespace: str, **values: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
    }


def _plugin_resources(base_url: str, **extra: str) -> DocumentResources:
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "my-plugin", "namespace": "argocd"},
        "data": {"baseUrl": base_url, "token": "$plugin-secret:plugin.token", **extra},
    }
    return DocumentResources(
        [config, _secret("plugin-secret", "argocd", **{"plugin.token": TOKEN})]
    )


def _appset(generator: dict[str, Any], name: str, *, go: bool = True) -> ApplicationSet:
    return ApplicationSet.from_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "previews", "namespace": "argocd"},
            "spec": {
                "goTemplate": go,
                "generators": [generator],
                "template": {
                    "metadata": {"name": name},
                    "spec": {
                        "project": "default",
                        "source": {"repoURL": "https://example.com/r.git", "path": "app"},
                        "destination": {"server": "https://kubernetes.default.svc"},
                    },
                },
            },
        }
    )


def _expand(appset: ApplicationSet, resources: DocumentResources | None, **env: Any) -> list[Any]:
    def no_git(url: str, rev: str) -> Any:
        raise AssertionError("no Git here")

    env.setdefault("allowed_urls", None)  # as the CLI: any http(s) URL

    return expand(appset, trees=no_git, clusters=[], env=GeneratorEnv(resources=resources, **env))


PLUGIN = {
    "plugin": {
        "configMapRef": {"name": "my-plugin"},
        "input": {"parameters": {"team": "shop", "list": ["a", "b"]}},
        "values": {"suffix": "{{ .region }}-x"},
    }
}


def test_plugin_request_and_params(apis: FakeApis) -> None:
    apis.plugin_output = {
        "output": {"parameters": [{"region": "eu", "n": 1}, {"region": "us", "n": 2}]}
    }
    appset = _appset(
        PLUGIN, "{{ .region }}-{{ .generator.input.parameters.team }}-{{ .values.suffix }}"
    )
    apps = _expand(appset, _plugin_resources(apis.url), allowed_urls=(apis.url,))
    assert [a.name for a in apps] == ["eu-shop-eu-x", "us-shop-us-x"]
    (request,) = apis.requests
    assert request.body == {
        "applicationSetName": "previews",
        "input": {"parameters": {"team": "shop", "list": ["a", "b"]}},
    }
    assert request.headers["content-type"] == "application/json"


def test_plugin_params_flattened_in_fasttemplate_mode(apis: FakeApis) -> None:
    apis.plugin_output = {"output": {"parameters": [{"cluster": {"name": "eu"}, "n": 1}]}}
    generator = {"plugin": {"configMapRef": {"name": "my-plugin"}}}
    appset = _appset(generator, "{{cluster.name}}-{{n}}", go=False)
    apps = _expand(appset, _plugin_resources(apis.url + "/"))
    assert [a.name for a in apps] == ["eu-1"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda s: setattr(s, "plugin_status", 500), "HTTP 500"),
        (lambda s: setattr(s, "plugin_token", "another"), "HTTP 403"),
        (lambda s: setattr(s, "plugin_output", {"unexpected": True}), "no output object"),
        (lambda s: setattr(s, "oversized", True), "reply larger than"),
        (lambda s: setattr(s, "plugin_output", {"output": {"parameters": "x"}}), "must be a list"),
        (lambda s: setattr(s, "plugin_output", _nested(100)), "nests deeper than"),
    ],
)
def test_plugin_failures_are_errors_without_the_token(
    apis: FakeApis, setup: Any, message: str
) -> None:
    apis.plugin_output = {"output": {"parameters": []}}
    setup(apis)
    with pytest.raises(AppSetError, match=message) as caught:
        _expand(_appset(PLUGIN, "x"), _plugin_resources(apis.url))
    assert TOKEN not in str(caught.value)
    assert "spec.generators[0].plugin" in str(caught.value)


def test_plugin_request_timeout_is_honoured(apis: FakeApis) -> None:
    apis.plugin_hang = threading.Event()
    with pytest.raises(AppSetError, match="timed out") as caught:
        _expand(_appset(PLUGIN, "x"), _plugin_resources(apis.url, requestTimeout="1"))
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "allowed", "message"),
    [
        ("file:///etc/passwd", None, "only http and https"),
        ("gopher://127.0.0.1/", None, "only http and https"),
        ("{url}", (), "none are allowed"),
        ("{url}", ("http://127.0.0.1:1",), "not an allowed generator URL"),
        ("{url}.evil.example", ("{url}",), "not a valid URL"),
        ("{url}/apix", ("{url}/api",), "not an allowed generator URL"),
        ("http://127.0.0.2:1/", ("{url}",), "not an allowed generator URL"),
    ],
)
def test_plugin_urls_are_checked_before_any_request(
    apis: FakeApis, base_url: str, allowed: tuple[str, ...] | None, message: str
) -> None:
    resources = _plugin_resources(base_url.format(url=apis.url))
    allowed_urls = None if allowed is None else tuple(a.format(url=apis.url) for a in allowed)
    with pytest.raises(AppSetError, match=message):
        _expand(_appset(PLUGIN, "x"), resources, allowed_urls=allowed_urls)
    assert apis.requests == []


def test_plugin_needs_resources_and_a_secret_reference(apis: FakeApis) -> None:
    with pytest.raises(AppSetError, match="--resources"):
        _expand(_appset(PLUGIN, "x"), None)
    resources = DocumentResources(
        [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "my-plugin", "namespace": "argocd"},
                "data": {"baseUrl": apis.url, "token": "plain-text"},
            }
        ]
    )
    with pytest.raises(AppSetError, match="must reference a Secret key"):
        _expand(_appset(PLUGIN, "x"), resources)


GITHUB_NAME = "pr-{{ .number }}-{{ .branch_slug }}-{{ .head_short_sha_7 }}-{{ .author }}"


def test_github_pull_requests_paginate_and_filter(apis: FakeApis) -> None:
    apis.github_pages = [
        [pull(1, "feature/One_Thing", labels=("preview",), author="alice"), pull(2, "wip")],
        [pull(3, "fix/bug", labels=("preview", "x"), author="bob")],
    ]
    generator = {
        "pullRequest": {
            "github": {
                "owner": "acme",
                "repo": "shop",
                "api": apis.url,
                "labels": ["preview"],
                "tokenRef": {"secretName": "github-token", "key": "token"},
            },
            "requeueAfterSeconds": 60,
        }
    }
    resources = DocumentResources([_secret("github-token", "argocd", token=TOKEN)])
    apps = _expand(_appset(generator, GITHUB_NAME), resources)
    assert [a.name for a in apps] == [
        "pr-1-feature-one-thing-01abcde-alice",
        "pr-3-fix-bug-03abcde-bob",
    ]
    assert [r.path for r in apis.requests] == ["/api/v3/repos/acme/shop/pulls"] * 2
    assert [r.query["page"] for r in apis.requests] == [["1"], ["2"]]
    assert apis.requests[0].query["state"] == ["open"]
    assert apis.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_github_labels_param_and_branch_filters(apis: FakeApis) -> None:
    apis.github_pages = [[pull(4, "release/1.2", labels=("a", "b")), pull(5, "feature/x")]]
    generator = {
        "pullRequest": {
            "github": {"owner": "acme", "repo": "shop", "api": apis.url + "/api/v3"},
            "filters": [{"branchMatch": "^release/"}],
        }
    }
    name = '{{ .number }}-{{ join "-" .labels }}-{{ .target_branch_slug }}'
    apps = _expand(_appset(generator, name), DocumentResources([]))
    assert [a.name for a in apps] == ["4-a-b-main"]
    assert "authorization" not in apis.requests[0].headers


def test_gitea_pull_requests_paginate_with_their_token_header(apis: FakeApis) -> None:
    apis.gitea_pages = [[pull(n, f"b{n}") for n in range(1, 51)], [pull(51, "last")]]
    generator = {
        "pullRequest": {
            "gitea": {
                "owner": "acme",
                "repo": "shop",
                "api": apis.url,
                "tokenRef": {"secretName": "gitea-token", "key": "token"},
            }
        }
    }
    resources = DocumentResources([_secret("gitea-token", "argocd", token=TOKEN)])
    apps = _expand(_appset(generator, "pr-{{ .number }}"), resources)
    assert len(apps) == 51
    assert [r.query["page"] for r in apis.requests] == [["1"], ["2"]]
    assert apis.requests[0].headers["authorization"] == f"token {TOKEN}"
    assert apis.requests[0].query["state"] == ["open"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"owner": "../etc", "repo": "x"}, "owner"),
        ({"owner": "a", "repo": "x/y"}, "repo"),
        ({"owner": "a", "repo": "x", "api": "ftp://example.com"}, "only http and https"),
    ],
)
def test_github_names_and_urls_are_validated(
    apis: FakeApis, config: dict[str, Any], message: str
) -> None:
    generator = {"pullRequest": {"github": config}}
    with pytest.raises(AppSetError, match=message):
        _expand(_appset(generator, "x"), DocumentResources([]))
    assert apis.requests == []


def test_unsupported_provider_is_named() -> None:
    generator = {"pullRequest": {"gitlab": {"project": "1"}}}
    with pytest.raises(AppSetError, match="gitlab is not supported"):
        _expand(_appset(generator, "x"), DocumentResources([]))


@pytest.mark.parametrize(
    ("branch", "slug"),
    [
        ("feature/One_Thing", "feature-one-thing"),
        ("fix/über@home & away", "fix-uberathome-and-away"),
        ("--a--b--", "a-b"),
        ("x" * 60, "x" * 50),
        ("a" * 45 + "-" + "b" * 10, "a" * 45),
    ],
)
def test_branch_slug_as_gosimple_slug(branch: str, slug: str) -> None:
    assert branch_slug(branch) == slug
