"""Label selectors as kubectl's ``-l`` takes them, parsed by the engine's own selector
(`gitsync.kube.labels`), bounded in length, with the CLI's error type."""

from __future__ import annotations

from gitsync.errors import GitsyncError, UserInputError
from gitsync.kube.labels import Selector

MAX_SELECTOR_LENGTH = 4096


class SelectorError(GitsyncError):
    """A label selector that does not parse."""


def parse_label_selector(text: str) -> Selector:
    """The `Selector` of a kubectl-style selector string; empty matches everything."""
    if len(text) > MAX_SELECTOR_LENGTH:
        raise SelectorError(f"label selector longer than {MAX_SELECTOR_LENGTH} characters")
    try:
        return Selector(text)
    except UserInputError as err:
        raise SelectorError(str(err)) from None
