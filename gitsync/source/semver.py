"""Semantic versions and the version constraints Helm and Argo CD accept (pure, no I/O).

A chart's ``targetRevision`` is a version or a constraint in the Masterminds/semver
dialect that Helm uses:

- exact ``1.2.3`` (a leading ``v`` is ignored, as is build metadata when comparing);
- ``*``, ``x`` or nothing: any stable version;
- wildcards ``1.2.*``, ``1.x``, ``1`` (a missing part is a wildcard): ``1.x`` is
  ``>=1.0.0 <2.0.0``;
- tilde ``~1.2.3`` (``>=1.2.3 <1.3.0``), ``~1`` (``>=1.0.0 <2.0.0``);
- caret ``^1.2.3`` (``>=1.2.3 <2.0.0``); below 1.0.0 the first non-zero part is the
  stable one: ``^0.2.3`` is ``>=0.2.3 <0.3.0``, ``^0.0.3`` is ``>=0.0.3 <0.0.4``;
- comparisons ``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=`` (with wildcards: ``>1.x`` is
  ``>=2.0.0``, ``<=1.2.x`` is ``<1.3.0``), hyphen ranges ``1.2 - 1.4.5``;
- comparators joined by spaces or commas must all hold; ``||`` separates alternatives.

A pre-release version (``2.0.0-rc.1``) only matches an alternative in which some
comparator names a pre-release itself (``>=2.0.0-0``), as in Masterminds/semver: a plain
``2.x`` never picks a release candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gitsync.errors import SourceError

_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(
    rf"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-({_IDENTIFIERS}))?(?:\+({_IDENTIFIERS}))?$"
)
_PART = r"\d+|[xX*]"
_PARTIAL = re.compile(
    rf"^v?({_PART})(?:\.({_PART}))?(?:\.({_PART}))?(?:-({_IDENTIFIERS}))?(?:\+({_IDENTIFIERS}))?$"
)
_COMPARATOR = re.compile(r"(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)?\s*([^\s,|<>=!~^]+)")
_SEPARATOR = re.compile(r"\s*,\s*|\s+")
_HYPHEN_RANGE = re.compile(r"(?<![^\s,])([^\s,]+)\s+-\s+([^\s,]+)")

PreRelease = tuple[int | str, ...]
SortKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


@dataclass(frozen=True)
class Version:
    """A parsed version; `original` is the text it came from (e.g. ``v1.2``)."""

    major: int
    minor: int
    patch: int
    prerelease: PreRelease = ()
    original: str = ""

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """The version `text` names, or None when it is not one.

        Missing minor or patch parts count as 0 (``1.2`` is ``1.2.0``), as Helm reads
        chart versions; a numeric pre-release part with a leading zero is refused.
        """
        match = _VERSION.match(text.strip())
        if not match:
            return None
        major, minor, patch, pre, _build = match.groups()
        prerelease = _prerelease(pre)
        if prerelease is None:
            return None
        return cls(int(major), int(minor or 0), int(patch or 0), prerelease, text)

    def sort_key(self) -> SortKey:
        """Semantic version precedence: a release sorts after its pre-releases, numeric
        pre-release parts before alphanumeric ones, a longer list after its prefix."""
        parts = tuple(
            (0, part, "") if isinstance(part, int) else (1, 0, part) for part in self.prerelease
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, parts)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(str(p) for p in self.prerelease)}" if self.prerelease else core


def _prerelease(text: str | None) -> PreRelease | None:
    if not text:
        return ()
    parts: list[int | str] = []
    for part in text.split("."):
        if part.isdigit():
            if len(part) > 1 and part.startswith("0"):
                return None
            parts.append(int(part))
        else:
            parts.append(part)
    return tuple(parts)


def _lowest(major: int, minor: int, patch: int) -> Version:
    """The first version with this core: every pre-release of it sorts after ``-0``."""
    return Version(major, minor, patch, (0,))


@dataclass(frozen=True)
class _Range:
    """Versions between two bounds (None = unbounded), or outside them when `negate`."""

    low: Version | None = None
    low_inclusive: bool = True
    high: Version | None = None
    high_inclusive: bool = False
    negate: bool = False

    def contains(self, version: Version) -> bool:
        key = version.sort_key()
        inside = True
        if self.low is not None:
            low = self.low.sort_key()
            inside = key >= low if self.low_inclusive else key > low
        if inside and self.high is not None:
            high = self.high.sort_key()
            inside = key <= high if self.high_inclusive else key < high
        return inside != self.negate


@dataclass(frozen=True)
class _Group:
    """Comparators that must all hold; `prereleases` when one of them names one."""

    ranges: tuple[_Range, ...]
    prereleases: bool

    def matches(self, version: Version) -> bool:
        if version.prerelease and not self.prereleases:
            return False
        return all(r.contains(version) for r in self.ranges)


@dataclass(frozen=True)
class Constraint:
    """A parsed constraint: alternatives (``||``) of comparator groups."""

    text: str
    groups: tuple[_Group, ...]

    def matches(self, version: str | Version) -> bool:
        """True when `version` satisfies the constraint (an unparsable one never does)."""
        parsed = Version.parse(version) if isinstance(version, str) else version
        return parsed is not None and any(group.matches(parsed) for group in self.groups)


def parse_constraint(text: str) -> Constraint:
    """The constraint `text` describes; SourceError naming it when it is not valid."""
    stripped = text.strip()
    if not stripped:
        return Constraint(text, (_Group((_Range(),), False),))
    groups = tuple(_parse_group(text, alternative) for alternative in stripped.split("||"))
    return Constraint(text, groups)


def best_match(versions: Iterable[str], constraint: str | Constraint) -> str | None:
    """The highest of `versions` that satisfies `constraint`, as spelled in `versions`.

    A version spelled exactly like the constraint wins outright (as in Helm), so
    ``1.2.3+build.2`` can be pinned even when ``1.2.3+build.1`` is listed too. Versions
    that do not parse are ignored; ties in precedence go to the greater spelling, so the
    answer never depends on the order of `versions`.
    """
    wanted = constraint if isinstance(constraint, Constraint) else parse_constraint(constraint)
    exact = wanted.text.strip()
    best: tuple[SortKey, str] | None = None
    for text in versions:
        parsed = Version.parse(text)
        if parsed is None:
            continue
        if text == exact:
            return text
        if wanted.matches(parsed):
            candidate = (parsed.sort_key(), text)
            if best is None or candidate > best:
                best = candidate
    return best[1] if best else None


def sort_versions(versions: Iterable[str]) -> list[str]:
    """The parsable `versions`, highest first (for messages that list what exists)."""
    parsed = [(v.sort_key(), text) for text in versions if (v := Version.parse(text)) is not None]
    return [text for _, text in sorted(parsed, reverse=True)]


# -- parsing -------------------------------------------------------------------------------


def _invalid(text: str, reason: str) -> SourceError:
    return SourceError(f"invalid version constraint {text!r}: {reason}")


def _parse_group(whole: str, alternative: str) -> _Group:
    text = _HYPHEN_RANGE.sub(r">=\1 <=\2", alternative.strip())
    if not text:
        raise _invalid(whole, "empty alternative around '||'")
    ranges: list[_Range] = []
    prereleases = False
    position = 0
    while True:
        match = _COMPARATOR.match(text, position)
        if not match:
            raise _invalid(whole, f"cannot parse {text[position:]!r}")
        operator, version = match.group(1) or "=", match.group(2)
        partial = _PARTIAL.match(version)
        if not partial:
            raise _invalid(whole, f"{version!r} is not a version")
        ranges.append(_comparator(whole, operator, partial))
        prereleases = prereleases or partial.group(4) is not None
        position = match.end()
        if position == len(text):
            return _Group(tuple(ranges), prereleases)
        separator = _SEPARATOR.match(text, position)
        if not separator or separator.end() == len(text):
            raise _invalid(whole, f"unexpected {text[position:]!r}")
        position = separator.end()


def _comparator(whole: str, operator: str, partial: re.Match[str]) -> _Range:
    """One comparator as a range of versions (see the module doc for the rules)."""
    parts: list[int | None] = []
    for group in partial.groups()[:3]:
        number = None if group is None or group in ("x", "X", "*") else int(group)
        if parts and parts[-1] is None and number is not None:
            raise _invalid(whole, f"{partial.group(0)!r} has a number after a wildcard")
        parts.append(number)
    major, minor, patch = parts
    prerelease = _prerelease(partial.group(4))
    if prerelease is None:
        raise _invalid(whole, f"{partial.group(0)!r} has a pre-release part with a leading 0")
    if major is None:
        return _wildcard(operator)
    low = Version(major, minor or 0, patch or 0, prerelease)
    exact = minor is not None and patch is not None
    # The first version past the wildcard: 1.x -> 2.0.0-0, 1.2.x -> 1.3.0-0.
    after = _lowest(major + 1, 0, 0) if minor is None else _lowest(major, minor + 1, 0)
    if operator == "=":
        return _Range(low, True, low, True) if exact else _Range(low, True, after)
    if operator == "!=":
        equal = _Range(low, True, low, True) if exact else _Range(low, True, after)
        return _Range(equal.low, True, equal.high, equal.high_inclusive, negate=True)
    if operator == ">":
        return _Range(low, False) if exact else _Range(after, True)
    if operator in (">=", "=>"):
        return _Range(low, True)
    if operator == "<":
        return _Range(high=low, high_inclusive=False)
    if operator in ("<=", "=<"):
        return _Range(high=low, high_inclusive=True) if exact else _Range(high=after)
    if operator in ("~", "~>"):
        return _Range(low, True, after)
    return _Range(low, True, _caret_limit(major, minor, patch))


def _caret_limit(major: int, minor: int | None, patch: int | None) -> Version:
    """The exclusive upper bound of ``^``: the left-most non-zero part may not change."""
    if major > 0 or minor is None:
        return _lowest(major + 1, 0, 0)
    if minor > 0 or patch is None:
        return _lowest(0, minor + 1, 0)
    return _lowest(0, 0, patch + 1)


def _wildcard(operator: str) -> _Range:
    """``*`` with an operator: anything, except ``>*`` (above 0.0.0) and ``<*``/``!=*``."""
    if operator == ">":
        return _Range(Version(0, 0, 0), False)
    if operator in ("<", "!="):
        return _Range(negate=True)
    return _Range()
