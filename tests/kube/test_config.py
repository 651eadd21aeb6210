"""Kubeconfig problems and an unreachable server each give one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsync.errors import ConfigError, UnavailableError
from gitsync.kube import Cluster
from tests.ports import refusing_port

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster: {{server: "{server}"}}
contexts:
- name: dev
  context: {{cluster: c1, user: u1, namespace: team-a}}
- name: kind
  context: {{cluster: c1, user: u1}}
users:
- name: u1
  user: {{token: abc}}
"""


def write_kubeconfig(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.format(server=server))
    return path


def test_missing_kubeconfig(tmp_path: Path) -> None:
    missing = tmp_path / "x" / "y"
    with pytest.raises(ConfigError) as caught:
        Cluster.from_kubeconfig(missing)
    assert str(caught.value) == f"kubeconfig {missing} not found"


def test_missing_default_kubeconfig_names_the_env_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match=r"^kubeconfig .*nope not found$"):
        Cluster.from_kubeconfig()


def test_bad_context_lists_the_available_ones(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, "https://127.0.0.1:6443")
    with pytest.raises(ConfigError) as caught:
        Cluster.from_kubeconfig(path, "prod")
    assert str(caught.value) == (
        f'context "prod" not found in kubeconfig {path} (available: dev, kind)'
    )


def test_invalid_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("clusters: [\n  - {name: a\n")
    with pytest.raises(ConfigError) as caught:
        Cluster.from_kubeconfig(path)
    message = str(caught.value)
    assert message.startswith(f"kubeconfig {path}: not valid YAML")
    assert "\n" not in message


def test_context_picks_server_name_and_namespace(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, "https://10.1.2.3:6443")
    with Cluster.from_kubeconfig(path) as cluster:
        assert (cluster.name, cluster.server, cluster.default_namespace) == (
            "dev",
            "https://10.1.2.3:6443",
            "team-a",
        )
    with Cluster.from_kubeconfig(path, "kind", name="east") as cluster:
        assert (cluster.name, cluster.default_namespace) == ("east", "default")


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with refusing_port() as port:
        server = f"http://127.0.0.1:{port}"
        path = write_kubeconfig(tmp_path, server)
        with Cluster.from_kubeconfig(path) as cluster:
            with pytest.raises(UnavailableError) as caught:
                cluster.ping()
            assert str(caught.value) == f"cannot reach {server}: connection refused"
            with pytest.raises(UnavailableError) as caught:
                cluster.get("v1", "ConfigMap", "default", "x")
            assert str(caught.value) == f"cannot reach {server}: connection refused"
            assert cluster.stats.by_code()[("GET", 0)] == 2


def test_in_cluster_outside_a_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConfigError, match=r"^in-cluster config: "):
        Cluster.in_cluster()
