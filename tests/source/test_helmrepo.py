"""HelmRepoCache against a real chart repository served over HTTP from a temp dir."""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitsync.errors import SourceError
from gitsync.render import HelmOptions, HelmParameter, Renderer, RenderOptions, helm_available
from gitsync.source import Credentials, HelmRepoCache, LocalTree
from tests.helmrepo import ChartRepo, chart_archive, serve_chart_repo, tar_gz


def _has_sdk() -> bool:
    try:
        importlib.import_module("helm_python")
    except ImportError:
        return False
    return True


HAS_SDK = _has_sdk()
needs_helm = pytest.mark.skipif(
    not helm_available(), reason="rendering needs helm-python-sdk (gitsync[helm]) or helm"
)
# Both ways of reading index.yaml: urllib + PyYAML, and the embedded Helm when installed.
FETCHERS = [
    pytest.param(False, id="urllib"),
    pytest.param(
        True,
        id="sdk",
        marks=pytest.mark.skipif(not HAS_SDK, reason="helm-python-sdk (gitsync[helm]) missing"),
    ),
]


@pytest.fixture
def chart_repo(tmp_path: Path) -> Iterator[ChartRepo]:
    with serve_chart_repo(tmp_path / "served") as repo:
        repo.add("web", "1.0.0")
        repo.add("web", "1.2.0")
        repo.add("web", "2.0.0-rc.1")
        yield repo


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[HelmRepoCache]:
    with HelmRepoCache(tmp_path / "cache", use_sdk=False) as helm_cache:
        yield helm_cache


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def one_line_error(caught: pytest.ExceptionInfo[SourceError]) -> str:
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- resolve -------------------------------------------------------------------------------


@pytest.mark.parametrize("use_sdk", FETCHERS)
def test_resolve_picks_the_highest_match(
    chart_repo: ChartRepo, tmp_path: Path, use_sdk: bool
) -> None:
    with HelmRepoCache(tmp_path / "c", use_sdk=use_sdk) as helm:
        assert helm.resolve(chart_repo.url, "web", "1.*") == "1.2.0"
        assert helm.resolve(chart_repo.url + "/", "web", "1.0.0") == "1.0.0"
        assert helm.resolve(chart_repo.url, "web", "^1.0") == "1.2.0"
        assert helm.resolve(chart_repo.url, "web", "") == "1.2.0"  # latest stable
        assert helm.resolve(chart_repo.url, "web", ">=2.0.0-0") == "2.0.0-rc.1"
        assert helm.stats.index_fetches == 1
    assert chart_repo.count("/index.yaml") == 1


@pytest.mark.parametrize("use_sdk", FETCHERS)
def test_no_matching_version_lists_what_exists(
    chart_repo: ChartRepo, tmp_path: Path, use_sdk: bool
) -> None:
    with (
        HelmRepoCache(tmp_path / "c", use_sdk=use_sdk) as helm,
        pytest.raises(SourceError) as caught,
    ):
        helm.resolve(chart_repo.url, "web", "3.x")
    message = one_line_error(caught)
    assert "'3.x'" in message and "'web'" in message
    assert "available: 2.0.0-rc.1, 1.2.0, 1.0.0" in message


def test_a_long_version_list_is_cut_short(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    for patch in range(20):
        chart_repo.add("many", f"0.1.{patch}")
    with pytest.raises(SourceError) as caught:
        cache.resolve(chart_repo.url, "many", "9.x")
    message = one_line_error(caught)
    assert "available: 0.1.19, 0.1.18," in message
    assert "0.1.10 and 10 more)" in message
    assert "0.1.9" not in message


def test_unknown_chart_names_the_charts_there(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    with pytest.raises(SourceError) as caught:
        cache.resolve(chart_repo.url, "db", "1.x")
    message = one_line_error(caught)
    assert "chart 'db' not found" in message and "charts: web" in message


@pytest.mark.parametrize("use_sdk", FETCHERS)
def test_unreachable_repository_is_one_line(tmp_path: Path, use_sdk: bool) -> None:
    url = f"http://user:s3cret@127.0.0.1:{closed_port()}/charts"
    helm = HelmRepoCache(tmp_path / "c", use_sdk=use_sdk, timeout=5)
    with helm, pytest.raises(SourceError) as caught:
        helm.resolve(url, "web", "1.x")
    message = one_line_error(caught)
    assert "cannot fetch the index of Helm repository http://127.0.0.1:" in message
    assert "s3cret" not in message


def test_missing_index_is_reported_with_the_http_status(
    chart_repo: ChartRepo, cache: HelmRepoCache
) -> None:
    with pytest.raises(SourceError) as caught:
        cache.resolve(chart_repo.url + "/elsewhere", "web", "1.x")
    assert "HTTP 404" in one_line_error(caught)


def test_invalid_index_is_refused(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    (chart_repo.root / "index.yaml").write_text("entries: [unclosed\n")
    with pytest.raises(SourceError) as caught:
        cache.resolve(chart_repo.url, "web", "1.x")
    assert "not valid YAML" in one_line_error(caught)


def test_bad_constraint_fails_before_any_fetch(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    with pytest.raises(SourceError) as caught:
        cache.resolve(chart_repo.url, "web", "1.2.3.4")
    assert "invalid version constraint '1.2.3.4'" in one_line_error(caught)
    assert cache.stats.index_fetches == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("oci://registry.example.com/Charts", "invalid OCI repository name"),
        ("oci://bad host/charts", "invalid OCI registry host"),
        ("registry.example.com/../charts", "invalid OCI repository name"),
        ("file:///srv/charts", "must be http(s)"),
        ("ssh://git@example.com/charts", "must be http(s)"),
        ("http://127.0.0.1:notaport/charts", "invalid Helm repository URL"),
        ("  ", "no Helm repository URL given"),
    ],
)
def test_unsupported_repository_urls(cache: HelmRepoCache, url: str, expected: str) -> None:
    with pytest.raises(SourceError) as caught:
        cache.resolve(url, "web", "1.x")
    assert expected in one_line_error(caught)
    with pytest.raises(SourceError):
        cache.tree(url, "web", "1.0.0")
    assert cache.stats.index_fetches == 0


# -- index TTL -----------------------------------------------------------------------------


def test_index_is_fetched_once_per_ttl(chart_repo: ChartRepo, tmp_path: Path) -> None:
    with HelmRepoCache(tmp_path / "c", use_sdk=False) as helm:
        for _ in range(5):
            helm.resolve(chart_repo.url, "web", "1.x")
        helm.tree(chart_repo.url, "web", "1.2.0")
        assert helm.stats.index_fetches == 1
    assert chart_repo.count("/index.yaml") == 1

    with HelmRepoCache(tmp_path / "c", use_sdk=False, index_ttl=0) as helm:
        assert helm.resolve(chart_repo.url, "web", "1.x") == "1.2.0"
        chart_repo.add("web", "1.3.0")  # a new release shows once the TTL is over
        assert helm.resolve(chart_repo.url, "web", "1.x") == "1.3.0"
        assert helm.stats.index_fetches == 2


def test_concurrent_resolves_share_one_fetch(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.resolve(chart_repo.url, "web", "1.x")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["1.2.0"] * 8
    assert cache.stats.index_fetches == 1


# -- tree ----------------------------------------------------------------------------------


@needs_helm
@pytest.mark.parametrize("use_sdk", FETCHERS)
def test_tree_renders_with_values_and_parameters(
    chart_repo: ChartRepo, tmp_path: Path, use_sdk: bool
) -> None:
    with HelmRepoCache(tmp_path / "c", use_sdk=use_sdk) as helm:
        version = helm.resolve(chart_repo.url, "web", "1.*")
        tree = helm.tree(chart_repo.url, "web", version)
        assert isinstance(tree, LocalTree)
        assert tree.revision == "1.2.0"
        assert tree.is_file("Chart.yaml")
        options = RenderOptions(
            helm=HelmOptions(
                release_name="shop",
                namespace="apps",
                values="greeting: hello\n",
                parameters=(HelmParameter("replicas", "3"),),
            )
        )
        manifests = Renderer().render(tree, "", options)
    assert [str(m.key) for m in manifests] == ["ConfigMap/apps/shop-web"]
    assert manifests[0].obj["data"] == {"greeting": "hello", "replicas": "3", "chart": "1.2.0"}


@needs_helm
def test_values_object_applies_too(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    tree = cache.tree(chart_repo.url, "web", "1.0.0")
    options = RenderOptions(helm=HelmOptions(release_name="a", values_object={"greeting": "yo"}))
    manifests = Renderer().render(tree, "", options)
    assert manifests[0].obj["data"]["greeting"] == "yo"
    assert manifests[0].obj["data"]["chart"] == "1.0.0"


def test_second_tree_does_not_download_again(
    chart_repo: ChartRepo, cache: HelmRepoCache, tmp_path: Path
) -> None:
    first = cache.tree(chart_repo.url, "web", "1.2.0")
    second = cache.tree(chart_repo.url, "web", "1.2.0")
    assert second is first
    assert cache.stats.downloads == 1
    assert chart_repo.count("/web-1.2.0.tgz") == 1
    assert b"version: 1.2.0" in first.read_bytes("Chart.yaml")
    assert list(first.walk_files("")) == ["Chart.yaml", "templates/configmap.yaml", "values.yaml"]

    # A new process with the same cache directory finds the chart on disk.
    with HelmRepoCache(tmp_path / "cache", use_sdk=False) as again:
        assert again.tree(chart_repo.url, "web", "1.2.0").root == first.root
        assert again.stats.downloads == 0
    assert chart_repo.count("/web-1.2.0.tgz") == 1


def test_concurrent_trees_download_once(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    roots: list[Path] = []
    threads = [
        threading.Thread(
            target=lambda: roots.append(cache.tree(chart_repo.url, "web", "1.0.0").root)
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(roots) == 8 and len(set(roots)) == 1
    assert cache.stats.downloads == 1


def test_tree_of_a_version_not_in_the_index(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    with pytest.raises(SourceError) as caught:
        cache.tree(chart_repo.url, "web", "1.1.0")
    assert "has no version '1.1.0'" in one_line_error(caught)
    assert cache.tree(chart_repo.url, "web", "v1.0.0").revision == "1.0.0"


def test_wrong_digest_is_refused(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    chart_repo.add("bad", "1.0.0", digest="0" * 64)
    with pytest.raises(SourceError) as caught:
        cache.tree(chart_repo.url, "bad", "1.0.0")
    assert "does not match the index" in one_line_error(caught)
    assert not any((cache.cache_dir / "charts").glob("bad-*"))


def test_missing_digest_is_accepted(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    chart_repo.add("plain", "1.0.0", archive=chart_archive("plain", "1.0.0"), digest=None)
    assert cache.tree(chart_repo.url, "plain", "1.0.0").is_file("templates/configmap.yaml")


@pytest.mark.parametrize(
    ("archive", "expected"),
    [
        (chart_archive("evil", "1.0.0", {"../evil": b"x"}), "'../evil' leaves the chart"),
        (chart_archive("evil", "1.0.0", {"evil/../../x": b"x"}), "leaves the chart"),
        (chart_archive("evil", "1.0.0", {"/tmp/evil": b"x"}), "'/tmp/evil' leaves the chart"),
        (
            tar_gz({"evil/Chart.yaml": b"name: evil\n"}, links={"evil/passwd": "/etc/passwd"}),
            "'evil/passwd' is a link",
        ),
        (b"not a tarball at all", "not a valid chart archive"),
        (tar_gz({"evil/values.yaml": b"a: 1\n"}), "does not hold evil/Chart.yaml"),
    ],
    ids=["dotdot", "dotdot-inside", "absolute", "symlink", "garbage", "no-chart-yaml"],
)
def test_unsafe_or_broken_archives_are_refused(
    chart_repo: ChartRepo, cache: HelmRepoCache, tmp_path: Path, archive: bytes, expected: str
) -> None:
    chart_repo.add("evil", "1.0.0", archive=archive)
    with pytest.raises(SourceError) as caught:
        cache.tree(chart_repo.url, "evil", "1.0.0")
    assert expected in one_line_error(caught)
    assert not list(tmp_path.rglob("evil"))  # nothing was written, inside or outside
    assert not any((cache.cache_dir / "charts").iterdir())  # no staging directory left


def test_archive_in_another_top_directory_is_read_like_helm(
    chart_repo: ChartRepo, cache: HelmRepoCache
) -> None:
    chart_repo.add("renamed", "1.0.0", archive=chart_archive("original", "1.0.0"))
    assert cache.tree(chart_repo.url, "renamed", "1.0.0").is_file("Chart.yaml")


def test_archive_with_dot_slash_names(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        top = tarfile.TarInfo("./")
        top.type = tarfile.DIRTYPE
        archive.addfile(top)
        data = b"apiVersion: v2\nname: dots\nversion: 1.0.0\n"
        info = tarfile.TarInfo("./dots/Chart.yaml")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    chart_repo.add("dots", "1.0.0", archive=buffer.getvalue())
    assert cache.tree(chart_repo.url, "dots", "1.0.0").read_bytes("Chart.yaml") == data


def test_oversized_archives_are_refused(chart_repo: ChartRepo, tmp_path: Path) -> None:
    noise = os.urandom(8000)  # gzip cannot shrink random bytes
    chart_repo.add("big", "1.0.0", archive=chart_archive("big", "1.0.0", {"big/blob": noise}))
    zeros = b"\0" * 200_000  # compresses to a few hundred bytes
    chart_repo.add("bomb", "1.0.0", archive=chart_archive("bomb", "1.0.0", {"bomb/z": zeros}))
    with HelmRepoCache(tmp_path / "c", use_sdk=False, max_archive_bytes=4096) as helm:
        with pytest.raises(SourceError) as caught:
            helm.tree(chart_repo.url, "big", "1.0.0")
        assert "larger than" in one_line_error(caught)
        with pytest.raises(SourceError) as caught:
            helm.tree(chart_repo.url, "bomb", "1.0.0")
        assert "unpacks to more than" in one_line_error(caught)


def test_absolute_and_foreign_download_urls(chart_repo: ChartRepo, cache: HelmRepoCache) -> None:
    (chart_repo.root / "archives").mkdir()
    data = chart_archive("abs", "1.0.0")
    (chart_repo.root / "archives" / "abs.tgz").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    chart_repo.add("abs", "1.0.0", archive=data, urls=[f"{chart_repo.url}/archives/abs.tgz"])
    chart_repo.add("local", "1.0.0", urls=["file:///etc/passwd"], digest=digest)
    assert cache.tree(chart_repo.url, "abs", "1.0.0").is_file("Chart.yaml")
    assert chart_repo.count("/archives/abs.tgz") == 1
    with pytest.raises(SourceError) as caught:
        cache.tree(chart_repo.url, "local", "1.0.0")
    assert "is not http(s)" in one_line_error(caught)


# -- credentials and lifecycle -------------------------------------------------------------


@pytest.mark.parametrize("use_sdk", FETCHERS)
def test_private_repository_needs_credentials(
    chart_repo: ChartRepo, tmp_path: Path, use_sdk: bool
) -> None:
    chart_repo.auth = ("reader", "p4ss")
    with HelmRepoCache(tmp_path / "c", use_sdk=use_sdk, index_ttl=0) as helm:
        with pytest.raises(SourceError) as caught:
            helm.resolve(chart_repo.url, "web", "1.x")
        assert "401" in one_line_error(caught)
        credentials = Credentials(username="reader", password="p4ss")
        assert helm.resolve(chart_repo.url, "web", "1.x", credentials) == "1.2.0"
        assert helm.tree(chart_repo.url, "web", "1.2.0", credentials).is_file("Chart.yaml")
        in_url = chart_repo.url.replace("http://", "http://reader:p4ss@")
        assert helm.resolve(in_url, "web", "1.0.0") == "1.0.0"
        with pytest.raises(SourceError) as caught:
            helm.resolve(in_url, "web", "7.x")
        message = one_line_error(caught)
        assert "p4ss" not in message and "reader" not in message


def test_close_removes_a_temporary_cache_dir(chart_repo: ChartRepo) -> None:
    helm = HelmRepoCache(use_sdk=False)
    tree = helm.tree(chart_repo.url, "web", "1.0.0")
    assert tree.root.is_relative_to(helm.cache_dir)
    helm.close()
    assert not helm.cache_dir.exists()


def test_renders_of_an_unchanged_chart_are_cached(
    chart_repo: ChartRepo, cache: HelmRepoCache
) -> None:
    tree = cache.tree(chart_repo.url, "web", "1.0.0")
    identity = getattr(tree, "identity", None)
    assert isinstance(identity, str) and "1.0.0" in identity
    assert identity != getattr(cache.tree(chart_repo.url, "web", "1.2.0"), "identity", None)


def test_the_embedded_helm_is_loaded_only_when_an_index_is_read() -> None:
    # a Go library of some 40 MiB resident: a controller that reads no Helm repository
    # must not carry it
    code = (
        "import sys\n"
        "from gitsync.source.helmrepo import HelmRepoCache\n"
        "with HelmRepoCache():\n"
        "    print('helm_python' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
