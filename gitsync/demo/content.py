"""The demo's mono-repo: bundled as package data, written into a real Git repository."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import git

from gitsync.errors import GitsyncError

APPSET_DIR = "applicationsets"
APPSET_FILE = f"{APPSET_DIR}/services.yaml"
WEB_ROLLOUT = "apps/web/rollout.yaml"
WEB_IMAGE = "registry.example.com/shop/web:1.0.0"
WEB_IMAGE_NEXT = "registry.example.com/shop/web:1.1.0"
# The bundled ApplicationSet names this URL; the demo points it at the temp repository.
PLACEHOLDER_URL = "https://git.example.com/shop/platform.git"

_AUTHOR_NAME = "gitsync demo"
_AUTHOR_EMAIL = "demo@gitsync.invalid"


def bundled_files() -> dict[str, str]:
    """Every file of the demo repository, by path relative to the repository root."""
    root = resources.files("gitsync.demo") / "repo"
    found: dict[str, str] = {}
    _collect(root, "", found)
    if APPSET_FILE not in found:
        raise GitsyncError("the demo repository content is missing from the installation")
    return found


def _collect(node: Traversable, prefix: str, found: dict[str, str]) -> None:
    for child in node.iterdir():
        relative = f"{prefix}{child.name}"
        if child.is_dir():
            _collect(child, relative + "/", found)
        elif child.name.endswith((".yaml", ".yml")):  # not __pycache__ or stray files
            found[relative] = child.read_text(encoding="utf-8")


class DemoRepo:
    """A Git repository in a temp dir that the demo commits into, as a person would."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.repo = git.Repo.init(path, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", _AUTHOR_NAME)
            config.set_value("user", "email", _AUTHOR_EMAIL)

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def commit(self, files: dict[str, str], message: str) -> str:
        """Write `files`, commit them; the new commit's SHA."""
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self.repo.git.add("--all")
        self.repo.git.commit("--quiet", "--no-verify", "-m", message)
        return str(self.repo.head.commit.hexsha)


def initial_files(repo_url: str) -> dict[str, str]:
    """The bundled content with the ApplicationSet pointing at `repo_url`."""
    files = bundled_files()
    files[APPSET_FILE] = files[APPSET_FILE].replace(PLACEHOLDER_URL, repo_url)
    return files


def web_image_change(files: dict[str, str]) -> dict[str, str]:
    """The commit that ships a new web image (only the Rollout changes)."""
    current = files[WEB_ROLLOUT]
    if WEB_IMAGE not in current:
        raise GitsyncError(f"{WEB_ROLLOUT} does not use {WEB_IMAGE}")
    return {WEB_ROLLOUT: current.replace(WEB_IMAGE, WEB_IMAGE_NEXT)}
