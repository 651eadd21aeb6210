"""Helm charts from a real OCI registry (docker-registry on 127.0.0.1): versions from the
tags list, pull by digest, cache by digest, basic auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsync.errors import SourceError
from gitsync.source import Credentials, HelmRepoCache
from gitsync.source.ocichart import OciRef, is_oci
from tests.helmrepo import chart_archive
from tests.ociregistry import run_registry, token_gateway


def test_versions_resolve_from_tags_and_charts_unpack_by_digest(tmp_path: Path) -> None:
    with (
        run_registry(tmp_path / "registry") as registry,
        HelmRepoCache(tmp_path / "cache", use_sdk=False) as cache,
    ):
        for version in ("1.0.0", "1.2.0", "1.3.0+build.7", "2.0.0-rc.1"):
            registry.push_chart("charts/web", version, chart_archive("web", version))
        url = f"oci://{registry.host}/charts"
        assert cache.resolve(url, "web", "1.*") == "1.3.0+build.7"  # the tag is 1.3.0_build.7
        assert cache.resolve(url, "web", "~1.2") == "1.2.0"
        tree = cache.tree(url, "web", "1.3.0+build.7")
        assert tree.revision == "1.3.0+build.7"
        assert "version: 1.3.0+build.7" in tree.read_bytes("Chart.yaml").decode()
        assert tree.root.parent.name == "oci" and tree.root.name.startswith("sha256-")
        assert cache.tree(url, "web", "1.3.0+build.7") is tree  # pulled once
        # Argo CD's spelling without a scheme names the same chart
        assert cache.resolve(f"{registry.host}/charts", "web", "1.0.0") == "1.0.0"
        with pytest.raises(SourceError) as caught:
            cache.resolve(url, "web", "3.x")
        assert "no version of oci://127.0.0.1" in str(caught.value)
        assert "(available: 2.0.0-rc.1, 1.3.0+build.7, 1.2.0, 1.0.0)" in str(caught.value)
        with pytest.raises(SourceError) as missing:
            cache.tree(url, "web", "9.9.9")
        assert "HTTP 404" in str(missing.value)


def test_basic_auth_registry(tmp_path: Path) -> None:
    secret = ("chart-reader", "Reg-Pa55-9120")
    with run_registry(tmp_path / "registry", auth=secret) as registry:
        registry.push_chart("charts/web", "1.0.0", chart_archive("web", "1.0.0"))
        url = f"oci://{registry.host}/charts"
        good = Credentials(per_host={"127.0.0.1": secret})
        bad = Credentials(per_host={"127.0.0.1": ("chart-reader", "nope")})
        with HelmRepoCache(tmp_path / "cache", use_sdk=False) as cache:
            assert cache.resolve(url, "web", "*", good) == "1.0.0"
            tree = cache.tree(url, "web", "1.0.0", good)
            assert tree.is_file("templates/configmap.yaml")
        for credentials, expected in ((None, "needs credentials"), (bad, "HTTP 401")):
            with HelmRepoCache(tmp_path / "other", use_sdk=False) as cache:
                with pytest.raises(SourceError) as caught:
                    cache.resolve(url, "web", "*", credentials)
                assert expected in str(caught.value)
                assert secret[1] not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "chart", "expected"),
    [
        ("oci://r.example.com/charts", "web", ("r.example.com", "charts/web", False)),
        ("r.example.com:5000/a/b", "web", ("r.example.com:5000", "a/b/web", False)),
        ("oci://127.0.0.1:5000/charts", "web", ("127.0.0.1:5000", "charts/web", True)),
        ("oci://localhost/charts/", "web", ("localhost", "charts/web", True)),
    ],
)
def test_references(url: str, chart: str, expected: tuple[str, str, bool]) -> None:
    assert is_oci(url)
    ref = OciRef.parse(url, chart)
    assert (ref.host, ref.name, ref.plain_http) == expected


def test_https_urls_are_not_oci() -> None:
    assert not is_oci("https://charts.example.com")
    assert not is_oci("")


def test_bearer_token_flow(tmp_path: Path) -> None:
    secret = ("robot", "Tok-Pa55-3318")
    with run_registry(tmp_path / "registry") as registry:
        registry.push_chart("charts/web", "2.1.0", chart_archive("web", "2.1.0"))
        with token_gateway(registry, secret) as gateway:
            url = f"oci://{gateway.host}/charts"
            good = Credentials(per_host={"127.0.0.1": secret})
            with HelmRepoCache(tmp_path / "cache", use_sdk=False) as cache:
                assert cache.resolve(url, "web", "2.x", good) == "2.1.0"
                assert cache.tree(url, "web", "2.1.0", good).is_file("Chart.yaml")
            first = gateway.token_requests[0]
            assert first == {
                "service": "gateway",
                "scope": "repository:charts/web:pull",
                "authorized": "True",
            }
            with (
                HelmRepoCache(tmp_path / "other", use_sdk=False) as cache,
                pytest.raises(SourceError) as caught,
            ):
                cache.resolve(url, "web", "*", None)
            assert "token request: HTTP 401" in str(caught.value)
            assert gateway.token_requests[-1]["authorized"] == "False"
