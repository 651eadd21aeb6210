"""Destination clusters from a clusters file and from Argo-CD cluster Secrets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from gitsync.appset import clusters_from_secrets
from gitsync.controller.clusters import config_from_secret, load_clusters_file
from gitsync.errors import ConfigError

CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()


def _secret(name: str, server: str, config: dict[str, object]) -> dict[str, object]:
    def enc(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": f"cluster-{name}",
            "labels": {"argocd.argoproj.io/secret-type": "cluster", "env": "prod"},
        },
        "data": {"name": enc(name), "server": enc(server), "config": enc(json.dumps(config))},
    }


def test_cluster_secret_with_bearer_token_and_ca() -> None:
    secrets = [
        _secret(
            "prod",
            "https://prod.example:6443",
            {"bearerToken": "tok-123", "tlsClientConfig": {"caData": CA, "serverName": "api"}},
        ),
        {"kind": "Secret", "metadata": {"name": "other", "labels": {}}, "data": {}},
    ]
    (record,) = clusters_from_secrets(secrets)
    assert (record.name, record.server, record.labels["env"]) == (
        "prod",
        "https://prod.example:6443",
        "prod",
    )
    conf = config_from_secret(record.name, record.server, record.config)
    assert conf.server == "https://prod.example:6443"
    assert conf.configuration.api_key == {"authorization": "Bearer tok-123"}
    assert conf.configuration.verify_ssl is True
    assert Path(conf.configuration.ssl_ca_cert).read_bytes().startswith(b"-----BEGIN")
    assert "tok-123" not in repr(record)


def test_insecure_cluster_secret_and_bad_ca() -> None:
    conf = config_from_secret("dev", "https://dev:6443", {"tlsClientConfig": {"insecure": True}})
    assert conf.configuration.verify_ssl is False
    with pytest.raises(ConfigError, match="caData is not base64"):
        config_from_secret("dev", "https://dev", {"tlsClientConfig": {"caData": "%%%"}})


def test_clusters_file_with_kubeconfig_paths(tmp_path: Path) -> None:
    path = tmp_path / "clusters.yaml"
    path.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "a",
                    "server": "https://a",
                    "labels": {"env": "test"},
                    "kubeconfig": "kube/a.yaml",
                    "context": "ctx-a",
                },
                {"name": "b", "server": "https://b", "config": {"bearerToken": "t"}},
            ]
        )
    )
    a, b = load_clusters_file(path)
    assert a.record.labels == {"env": "test"}
    assert a.kubeconfig == str(tmp_path / "kube" / "a.yaml") and a.context == "ctx-a"
    assert b.kubeconfig is None and b.config == {"bearerToken": "t"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- name: a\n", "server is missing"),
        ("name: a\n", "expected a list"),
        ("- [1]\n", "must be a mapping"),
        ("- {name: a, server: s, labels: {x: 1}}\n", "must be a string"),
    ],
)
def test_bad_clusters_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "clusters.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as err:
        load_clusters_file(path)
    assert "\n" not in str(err.value)


def test_missing_clusters_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_clusters_file(tmp_path / "nope.yaml")
