"""The container image, checked without building it: every dependency locked with hashes,
the lock installed with --require-hashes, Helm and a pinned kustomize inside, non-root."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
LOCK = (ROOT / "requirements.lock").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of every entry of requirements.lock."""
    found: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK):
        head = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", block)
        if head:
            found[canonicalize_name(head.group(1))] = (head.group(2), block.count("--hash=sha256:"))
    return found


def test_the_lock_covers_every_runtime_and_helm_dependency_at_a_fitting_version() -> None:
    locked = _locked()
    wanted = (
        PROJECT["project"]["dependencies"] + PROJECT["project"]["optional-dependencies"]["helm"]
    )
    wanted += PROJECT["build-system"]["requires"]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run `make lock`"
        version, _ = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, pyproject wants {requirement.specifier}"
        )


def test_every_locked_package_is_pinned_with_hashes() -> None:
    locked = _locked()
    assert len(locked) > 20
    assert all(hashes >= 1 for _, hashes in locked.values()), [
        name for name, (_, hashes) in locked.items() if hashes == 0
    ]
    assert "-e " not in LOCK and "git+" not in LOCK


def test_the_dockerfile_installs_the_lock_with_hashes_and_nothing_else() -> None:
    assert "--require-hashes --no-deps -r requirements.lock" in DOCKERFILE
    assert "--no-deps --no-build-isolation --no-index ." in DOCKERFILE
    installs = re.findall(r"pip install[^\n]*", DOCKERFILE)
    unlocked = [i for i in installs if "requirements.lock" not in i and "--no-index" not in i]
    assert unlocked == []


def test_the_image_renders_helm_and_kustomize_and_runs_as_non_root() -> None:
    version = re.search(r"ARG KUSTOMIZE_VERSION=(v\d+\.\d+\.\d+)\n", DOCKERFILE)
    assert version, "kustomize must be pinned to an exact version"
    assert "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" in DOCKERFILE
    assert "COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize" in DOCKERFILE
    assert "helm-python-sdk" in LOCK  # the embedded Helm
    final_stage = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    assert "USER 10001:10001" in final_stage
    # the build fails unless `gitsync version` finds both renderers
    assert "v['helm'].startswith('embedded')" in final_stage
    assert "'not available' not in v['kustomize']" in final_stage
    for image in re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.M):
        assert re.search(r":\d+\.\d+\.\d+", image), f"{image} is not pinned to a version"
