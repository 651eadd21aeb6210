"""`gitsync appset generate` run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.appset.fixtures import FIXTURES

MATRIX = FIXTURES / "matrix_git_clusters"


def _run(
    *args: str, cwd: Path | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["GITSYNC_CACHE_DIR"] = str(home / "cache")
    return subprocess.run(
        [sys.executable, "-m", "gitsync", "appset", "generate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def _matrix_args() -> list[str]:
    return [
        str(MATRIX / "appset.yaml"),
        "--repo",
        str(MATRIX / "tree"),
        "--clusters",
        str(MATRIX / "clusters.yaml"),
    ]


def test_generate_yaml() -> None:
    result = _run(*_matrix_args())
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert docs == [d for d in yaml.safe_load_all((MATRIX / "expected.yaml").read_text()) if d]


def test_generate_json_is_an_array_sorted_by_name() -> None:
    result = _run(*_matrix_args(), "-o", "json")
    assert result.returncode == 0, result.stderr
    objects = json.loads(result.stdout)
    names = [o["metadata"]["name"] for o in objects]
    assert names == sorted(names) and len(names) == 4
    assert all(o["kind"] == "Application" for o in objects)


def test_directory_passes_applications_through(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(MATRIX / "tree", root / "repo")
    (root / "apps").mkdir()
    shutil.copy(MATRIX / "appset.yaml", root / "apps" / "appset.yaml")
    (root / "apps" / "plain.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "argocd-itself", "namespace": "argocd"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://git.example.com/x.git", "path": "argocd"},
                    "destination": {"server": "https://kubernetes.default.svc"},
                },
            }
        )
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\n"
    )
    result = _run(
        str(root / "apps"),
        "--repo",
        str(root / "repo"),
        "--clusters",
        str(MATRIX / "clusters.yaml"),
        "-o",
        "json",
    )
    assert result.returncode == 0, result.stderr
    names = [o["metadata"]["name"] for o in json.loads(result.stdout)]
    assert names == [
        "argocd-itself",
        "guestbook-production",
        "guestbook-staging",
        "helm-guestbook-production",
        "helm-guestbook-staging",
    ]


def test_git_repository_by_file_url(tmp_path: Path) -> None:
    from tests.gitrepo import GitRepo

    repo = GitRepo.create(tmp_path / "repo", files={"apps/web/cm.yaml": "kind: ConfigMap\n"})
    result = _run(*_matrix_args()[:1], "--repo", repo.url, "--clusters",
                  str(MATRIX / "clusters.yaml"), "-o", "json", home=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = [o["metadata"]["name"] for o in json.loads(result.stdout)]
    assert names == ["web-production", "web-staging"]


def _assert_one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and text in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_bad_appset_exits_2_with_one_line() -> None:
    result = _run(str(FIXTURES / "err_matrix_one_child" / "appset.yaml"))
    _assert_one_line_error(result, "ApplicationSet bad: spec.generators[0].matrix.generators")


def test_python_internals_in_a_template_exit_2_and_print_nothing() -> None:
    result = _run(str(FIXTURES / "err_sandbox_class" / "appset.yaml"))
    _assert_one_line_error(result, "template: :1: invalid syntax")


def test_missing_path_and_bad_clusters_file(tmp_path: Path) -> None:
    _assert_one_line_error(_run(str(tmp_path / "nope.yaml")), "no such file or directory")
    clusters = tmp_path / "clusters.yaml"
    clusters.write_text("- name: no-server\n")
    result = _run(*_matrix_args()[:3], "--clusters", str(clusters))
    _assert_one_line_error(result, "server is missing")


def _one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


APPSET_HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\n"


def test_a_malformed_or_non_utf8_file_is_one_error_line(tmp_path: Path) -> None:
    cases = {
        "broken.yaml": (APPSET_HEAD + "metadata: [\n").encode(),
        "plain-broken.yaml": b"a: b\n  c: [\n",
        "latin1.yaml": APPSET_HEAD.encode() + b"metadata:\n  name: caf\xe9\n",
        "plain-latin1.yaml": b"kind: x\nname: \xff\n",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        result = _run(str(tmp_path / name))
        expected = "not valid UTF-8" if "latin1" in name else "invalid YAML"
        _one_error_line(result, name, expected)


def test_a_directory_still_skips_yaml_that_is_not_ours(tmp_path: Path) -> None:
    shutil.copy(MATRIX / "appset.yaml", tmp_path / "appset.yaml")
    (tmp_path / "helm-template.yaml").write_text("a: {{ .Values.x }}\n  b: [\n")
    result = _run(
        str(tmp_path), "--repo", str(MATRIX / "tree"), "--clusters", str(MATRIX / "clusters.yaml")
    )
    assert result.returncode == 0, result.stderr


def test_a_git_files_path_outside_the_repository_is_refused(tmp_path: Path) -> None:
    from tests.gitrepo import GitRepo

    repo = GitRepo.create(tmp_path / "repo", files={"config.json": '{"name": "a"}'})
    for path in ["/etc/passwd", "../../etc/passwd"]:
        rule = "must stay inside the repository"
        appset = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "files"},
            "spec": {
                "generators": [
                    {"git": {"repoURL": repo.url, "revision": "HEAD", "files": [{"path": path}]}}
                ],
                "template": {
                    "metadata": {"name": "{{name}}"},
                    "spec": {
                        "source": {"repoURL": repo.url, "path": "."},
                        "destination": {"server": "https://kubernetes.default.svc"},
                    },
                },
            },
        }
        (tmp_path / "appset.yaml").write_text(yaml.safe_dump(appset))
        result = _run(str(tmp_path / "appset.yaml"), home=tmp_path)
        _one_error_line(result, "spec.generators[0].git.files[0].path", rule)
        assert "root:" not in result.stderr


def test_an_application_name_that_is_not_a_dns_subdomain_is_refused(tmp_path: Path) -> None:
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "<script>alert(1)</script>"},
        "spec": {
            "source": {"repoURL": "https://example.com/r.git", "path": "x"},
            "destination": {"server": "https://kubernetes.default.svc"},
        },
    }
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(app))
    _one_error_line(_run(str(tmp_path / "app.yaml")), "metadata.name", "DNS-1123 subdomain")
