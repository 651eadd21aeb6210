"""Render and parse caches: an unchanged commit renders from a dictionary lookup."""

from __future__ import annotations

from pathlib import Path

from gitsync.render import Renderer
from gitsync.source import RepoCache
from tests.gitrepo import GitRepo
from tests.render.helpers import cm


def test_second_render_of_a_commit_does_no_parsing(tmp_path: Path) -> None:
    repo = GitRepo.create(
        tmp_path / "repo", files={"apps/a/cm.yaml": cm("a"), "apps/b/cm.yaml": cm("b")}
    )
    cache = RepoCache(tmp_path / "cache")
    renderer = Renderer()
    first = cache.resolve(repo.url)
    tree = cache.tree(repo.url, first)
    rendered = renderer.render(tree, "apps/a")
    assert renderer.parser.parses == 1
    again = renderer.render(cache.tree(repo.url, first), "apps/a")
    assert again == rendered and renderer.parser.parses == 1 and renderer.cache.hits == 1

    # A new commit that leaves apps/a alone re-renders it without re-parsing its blob.
    second = repo.commit(files={"apps/b/cm.yaml": cm("b2")})
    assert cache.resolve(repo.url) == second
    assert renderer.render(cache.tree(repo.url, second), "apps/a") == rendered
    assert renderer.parser.parses == 1
    renderer.render(cache.tree(repo.url, second), "apps/b")
    assert renderer.parser.parses == 2


def test_caller_cache_key_and_local_trees(tmp_path: Path) -> None:
    from tests.render.helpers import local_tree

    tree = local_tree(tmp_path, {"app/a.yaml": cm("a")})
    renderer = Renderer()
    renderer.render(tree, "app")
    (tmp_path / "app/a.yaml").write_text(cm("changed"))
    # Local directories are not cached: an edit shows at once.
    assert renderer.render(tree, "app")[0].key.name == "changed"
    keyed = renderer.render(tree, "app", cache_key=("local", 1))
    (tmp_path / "app/a.yaml").write_text(cm("third"))
    assert renderer.render(tree, "app", cache_key=("local", 1)) == keyed
