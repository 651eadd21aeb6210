"""Recognise a Rollout command in a container's command line (pure): ``gitsync rollout
promote NAME [-n NS] [--full]``, ``kubectl argo rollouts abort NAME``, also inside
``sh -c "..."``. Used by the embedded cluster to make hook Jobs take effect."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

VERBS = ("promote", "abort", "retry")
_SHELLS = ("sh", "bash", "ash", "dash")
_SEPARATOR_CHARS = ";&|()"


@dataclass(frozen=True)
class RolloutCommand:
    """A Rollout action found in a command line: verb, Rollout, namespace, --full."""

    verb: str
    name: str
    namespace: str | None = None
    full: bool = False


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _after_prefix(words: list[str]) -> list[str] | None:
    """The words after ``[gitsync] rollout`` / ``[kubectl] argo rollouts`` /
    ``kubectl-argo-rollouts``; None when the line is not one of those."""
    if words and _program(words[0]) in ("gitsync", "kubectl-argo-rollouts"):
        if _program(words[0]) == "kubectl-argo-rollouts":
            return words[1:]
        words = words[1:]
    if words and _program(words[0]) == "kubectl":
        words = words[1:]
    if words[:1] == ["rollout"]:
        return words[1:]
    if words[:2] == ["argo", "rollouts"]:
        return words[2:]
    return None


def _parse_words(words: list[str]) -> RolloutCommand | None:
    rest = _after_prefix(words)
    if not rest or rest[0] not in VERBS:
        return None
    verb, name, namespace, full = rest[0], "", None, False
    i = 1
    while i < len(rest):
        word = rest[i]
        if word in ("-n", "--namespace") and i + 1 < len(rest):
            namespace = rest[i + 1]
            i += 2
            continue
        if word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        elif word == "--full":
            full = True
        elif not word.startswith("-") and not name:
            name = word
        i += 1
    return RolloutCommand(verb, name, namespace, full) if name else None


def _shell_lines(script: str) -> list[list[str]]:
    """Simple commands of a shell script: split at newlines, ``;``, ``&&``, ``||``, ``|``."""
    lines: list[list[str]] = []
    for text in script.splitlines():
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        try:
            for word in lexer:
                if word and set(word) <= set(_SEPARATOR_CHARS):
                    lines.append(current)
                    current = []
                else:
                    current.append(word)
        except ValueError:
            continue
        lines.append(current)
    return [line for line in lines if line]


def parse_rollout_command(
    command: Sequence[str] | None, args: Sequence[str] | None
) -> RolloutCommand | None:
    """The first Rollout action the container runs, or None."""
    words = [str(w) for w in (command or [])] + [str(w) for w in (args or [])]
    if not words:
        return None
    if _program(words[0]) in _SHELLS and "-c" in words:
        script_at = words.index("-c") + 1
        if script_at < len(words):
            for line in _shell_lines(words[script_at]):
                found = _parse_words(line)
                if found is not None:
                    return found
        return None
    return _parse_words(words)
