"""The goTemplate benchmark runs end to end at a tiny size."""

from __future__ import annotations

from pathlib import Path

from bench import gotemplate_render


def test_gotemplate_render(tmp_path: Path) -> None:
    results = gotemplate_render.run(apps=3, rounds=1)
    assert results.value("synthetic list x3: apps") == 3
    assert results.value("list_gotemplate: apps") == 3
    assert results.report(tmp_path).is_file()
