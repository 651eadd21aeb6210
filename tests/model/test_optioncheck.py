"""Unknown sync options and hook annotation values are errors, from a YAML fixture; and
`gitsync sync --sync-option` / `gitsync plan` refuse them in one `error:` line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.errors import ManifestError
from gitsync.model.manifest import Manifest
from gitsync.model.optioncheck import UnknownOption, check_annotations, check_options

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "optioncheck" / "cases.yaml").read_text()
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c.get("error") or "accepted"))
def test_option_and_annotation_values(case: dict[str, Any]) -> None:
    def check() -> None:
        if "annotations" in case:
            check_annotations(case["annotations"])
        else:
            check_options(case["syncOptions"])

    if not case["error"]:
        check()
        return
    with pytest.raises(UnknownOption) as caught:
        check()
    assert str(caught.value).startswith(case["error"])


def test_a_manifest_with_an_unknown_hook_is_an_error_naming_it() -> None:
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "m", "annotations": {"argocd.argoproj.io/hook": "Presync"}},
    }
    with pytest.raises(ManifestError, match=r"^job.yaml: Job/m: unknown argocd.argoproj.io/hook"):
        Manifest.from_object(obj, source="job.yaml")


def _gitsync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_refuses_unknown_sync_options_and_hooks(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
        "  annotations: {argocd.argoproj.io/sync-options: Prune=maybe}\n"
    )
    for args in (
        ["sync", str(tmp_path), "--sync-option", "CreateNamespce=true", "--dry-run"],
        ["plan", str(tmp_path)],
        ["plan", str(tmp_path / "missing")],
    ):
        done = _gitsync(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "CreateNamespce" in _gitsync(*["sync", str(tmp_path), "--sync-option",
                                           "CreateNamespce=true"]).stderr  # fmt: skip
