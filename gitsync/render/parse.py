"""Bytes of a YAML or JSON file -> documents, with errors that name the file and line.

Parsing dominates a cold render, so results are cached by content identity (the blob SHA
for Git trees): a file unchanged between two commits is parsed once. Parsed objects are
shared between renders and must be treated as read-only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from gitsync.errors import GitsyncError, ManifestError
from gitsync.render.limits import (
    DEFAULT_LIMITS,
    Budget,
    LimitExceeded,
    Limits,
    format_bytes,
)
from gitsync.render.lru import LRU
from gitsync.render.objects import is_list
from gitsync.render.sandbox import Sandbox

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SPECIAL_KEYS = frozenset(("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"))
_RESOLVED_MAX = 65536  # plain scalars whose tag is remembered (values repeat a lot)
_RESOLVED_LENGTH = 64  # longer scalars are resolved every time
SHARED_STRING_LENGTH = 40  # longer strings (data, scripts) are rarely repeated: not interned


class _Unusual(Exception):
    """The document needs PyYAML's general constructor (merge keys, tags, recursion)."""


class ManifestLoader(yaml.CSafeLoader):
    """The C loader, leaving dates as strings (as Kubernetes' YAML-to-JSON does), within
    `limits`: nesting depth, alias references, and the size aliases expand to.

    Two shortcuts make it faster than the stock loader, with the same results: the tag of
    a plain scalar is remembered by value instead of matching the resolver regexes every
    time, and documents of plain mappings, sequences and scalars are built by a direct
    walk of the node tree; anything else goes through PyYAML's constructor.

    Aliases give shared objects, so a "billion laughs" file loads small and explodes in
    whatever walks it later: when the text can hold aliases (it has an ``&``), the node
    graph is measured first, each shared node once, and refused past the bounds.
    """

    _resolved: dict[str, str] = {}
    limits: Limits = DEFAULT_LIMITS
    aliases_possible = True  # set False by `load_documents` for text without an anchor
    aliases = 0  # alias references so far in this stream
    expanded = 0  # bytes the stream's documents take with every alias expanded

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        if not implicit[0]:
            return _STR  # quoted or block: a string (there are no path resolvers)
        tag = self._resolved.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if len(value) <= _RESOLVED_LENGTH:
                if len(self._resolved) >= _RESOLVED_MAX:
                    self._resolved.clear()
                self._resolved[value] = tag
        return tag

    def construct_document(self, node: Any) -> Any:
        if self.aliases_possible:
            self.expanded += self._measure(node, {}, 1)[0]
        try:
            return self._build(node, {}, self.limits.max_nesting_depth)
        except _Unusual:
            if not self.aliases_possible:
                self._measure(node, {}, 1)  # the general constructor recurses: depth first
            return super().construct_document(node)

    def _build(self, node: Any, built: dict[int, Any], room: int) -> Any:
        """The object of `node`; aliases (the same node twice) give the same object.
        `room` is how many more levels of nesting the depth bound allows."""
        cls = node.__class__
        if cls is ScalarNode:
            if node.tag == _STR:
                value = node.value
                # shared, as a fleet's rendered objects repeat the same keys and values
                return sys.intern(value) if len(value) <= SHARED_STRING_LENGTH else value
            construct = self.yaml_constructors.get(node.tag)
            if construct is None:
                raise _Unusual
            return construct(self, node)
        ident = id(node)
        if ident in built:
            if built[ident] is _IN_PROGRESS:
                raise _Unusual  # a recursive structure
            return built[ident]
        if room <= 0:
            raise self._too_deep(node)
        built[ident] = _IN_PROGRESS
        room -= 1
        result: Any
        if cls is MappingNode and node.tag == _MAP:
            result = {}
            for key_node, value_node in node.value:
                if key_node.tag in _SPECIAL_KEYS:
                    raise _Unusual
                key = self._build(key_node, built, room)
                try:
                    result[key] = self._build(value_node, built, room)
                except TypeError:
                    raise _Unusual from None  # an unhashable key: PyYAML's error
        elif cls is SequenceNode and node.tag == _SEQ:
            result = [self._build(child, built, room) for child in node.value]
        else:
            raise _Unusual
        built[ident] = result
        return result

    def _measure(self, node: Any, seen: dict[int, Any], depth: int) -> tuple[int, int]:
        """(expanded bytes, height) of `node` at nesting `depth`, each node measured once;
        raises LimitExceeded past a bound and on an alias that contains itself."""
        limits = self.limits
        ident = id(node)
        known = seen.get(ident)
        if known is not None:
            if known is _IN_PROGRESS:
                raise ManifestError(f"line {_line(node)}: an alias contains itself")
            self.aliases += 1
            if self.aliases > limits.max_yaml_aliases:
                raise limits.exceeded(
                    "max-yaml-aliases", f"line {_line(node)}: {self.aliases:,} alias references"
                )
            size, height = known
            if depth - 1 + height > limits.max_nesting_depth:
                raise self._too_deep(node)
            return size, height
        if node.__class__ is ScalarNode:
            measured = (len(node.value) + 2, 0)
            seen[ident] = measured
            return measured
        if depth > limits.max_nesting_depth:
            raise self._too_deep(node)
        seen[ident] = _IN_PROGRESS
        size, height = 2, 0
        children = node.value
        if node.__class__ is MappingNode:
            children = [child for pair in children for child in pair]
        for child in children:
            child_size, child_height = self._measure(child, seen, depth + 1)
            size += child_size
            height = max(height, child_height)
        if self.expanded + size > limits.max_manifest_bytes:
            raise limits.exceeded(
                "max-manifest-bytes",
                f"line {_line(node)}: YAML aliases expand past {format_bytes(size)}",
            )
        seen[ident] = (size, height + 1)
        return size, height + 1

    def _too_deep(self, node: Any) -> LimitExceeded:
        depth = self.limits.max_nesting_depth
        return self.limits.exceeded(
            "max-nesting-depth", f"line {_line(node)}: more than {depth} levels of nesting"
        )


def _line(node: Any) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 0


_IN_PROGRESS = object()
ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
# `resolve` above relies on this: a scalar's tag depends on its value alone.
assert not ManifestLoader.yaml_path_resolvers


def _kind(name: str) -> str:
    return "json" if name.endswith(".json") else "yaml"


def load_yaml(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Any], int]:
    """Every document of a YAML stream (None for empty ones) and the bytes they take with
    aliases expanded. Raises yaml.YAMLError, UnicodeDecodeError or LimitExceeded (naming
    the line, not the file: callers add that)."""
    if len(data) > limits.max_manifest_bytes:
        raise limits.exceeded("max-manifest-bytes", f"{format_bytes(len(data))} of YAML")
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    loader = ManifestLoader(text)
    loader.limits = limits
    loader.aliases_possible = "&" in text
    try:
        documents = []
        while loader.check_data():  # type: ignore[no-untyped-call]
            documents.append(loader.get_data())
    except RecursionError:
        # PyYAML's general constructor on a document the bounds let through (only when
        # max-nesting-depth is raised past what Python's stack holds)
        raise limits.exceeded("max-nesting-depth", "YAML nested too deep for the parser") from None
    except (yaml.YAMLError, GitsyncError):
        raise
    except Exception as err:
        # PyYAML's constructors fail on some tagged scalars with Python's own errors
        # (`!!int` alone: IndexError; `!!timestamp x`: AttributeError)
        detail = " ".join(str(err).split())[:100]
        raise ManifestError(f"invalid YAML: a value its tag cannot hold ({detail})") from None
    finally:
        loader.dispose()
    return documents, max(len(data), loader.expanded)


def load_one(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The first document of a YAML stream (None when empty), as `load_yaml` reads it."""
    documents, _ = load_yaml(data, limits)
    return documents[0] if documents else None


def load_json(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """One JSON value within the nesting bound; json.JSONDecodeError or LimitExceeded."""
    depth = limits.max_nesting_depth
    try:
        value = json.loads(text)
    except RecursionError:
        raise limits.exceeded("max-nesting-depth", "JSON nesting too deep") from None
    # Depth is at most the number of brackets: most files need no walk at all.
    if text.count("[") + text.count("{") > depth and _json_too_deep(value, depth):
        raise limits.exceeded("max-nesting-depth", f"more than {depth} levels of nesting")
    return value


def _json_too_deep(value: Any, limit: int) -> bool:
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        current, depth = pending.pop()
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


@dataclass(frozen=True)
class ParseFailure:
    """A cached parse error, re-raised with the name of whichever path holds the blob.
    `bound` names the limit when one was exceeded (LimitExceeded, not ManifestError)."""

    message: str
    line: int | None
    bound: str = ""


Documents = tuple[tuple[int, Any], ...]  # (index in the stream, object); empty ones dropped
# The parse and render caches each hold at most this many times max-manifest-bytes.
CACHE_BUDGET = 8
# Files larger than this are parsed in a bounded child process when one is available.
IN_PROCESS_BYTES = 1 << 20


@dataclass(frozen=True)
class Parsed:
    """Documents read from one file, with what they count against the app's bounds."""

    documents: Documents
    size: int  # bytes, aliases expanded
    objects: int  # documents, with the items of List documents counted one by one


class DocumentParser:
    """Parses files into documents within `limits`, caching by content identity."""

    def __init__(
        self,
        cache_size: int = 4096,
        limits: Limits = DEFAULT_LIMITS,
        sandbox: Sandbox | None = None,
    ) -> None:
        # Bounded in bytes too: many large files must not pile up across commits.
        self.cache: LRU[tuple[str, str], Parsed | ParseFailure] = LRU(
            cache_size, max_weight=CACHE_BUDGET * limits.max_manifest_bytes
        )
        self.limits = limits
        self.sandbox = sandbox  # large files are parsed there, when given
        self.parses = 0

    def cached(self, name: str, content_id: str, budget: Budget | None = None) -> Documents | None:
        """The documents of a blob parsed before, without reading it again; None if new."""
        result = self.cache.get((_kind(name), content_id))
        return None if result is None else self._unwrap(result, name, budget)

    def parse(
        self,
        data: bytes,
        name: str,
        content_id: str | None = None,
        budget: Budget | None = None,
    ) -> Documents:
        """The non-empty documents of file `name`; ManifestError ``name:LINE`` if invalid,
        LimitExceeded past a bound (of the file, or of `budget`: the app's so far)."""
        kind = _kind(name)
        key = (kind, content_id or hashlib.sha1(data).hexdigest())
        result = self.cache.get(key)
        if result is None:
            large = IN_PROCESS_BYTES < len(data) <= self.limits.max_manifest_bytes
            large = large and self.sandbox is not None
            result = self._parse_in_child(data, kind, name) if large else self._parse(data, kind)
            self.cache.put(key, result, result.size if isinstance(result, Parsed) else 0)
        return self._unwrap(result, name, budget)

    @staticmethod
    def _unwrap(result: Parsed | ParseFailure, name: str, budget: Budget | None) -> Documents:
        if isinstance(result, ParseFailure):
            location = f"{name}:{result.line}" if result.line else name
            if result.bound:
                raise LimitExceeded(f"{location}: {result.message}", result.bound)
            raise ManifestError(result.message, location)
        if budget is not None:
            budget.charge(name, result.size, result.objects)
        return result.documents

    def _parse_in_child(self, data: bytes, kind: str, name: str) -> Parsed | ParseFailure:
        """A file too large to parse here: YAML's node tree takes ~80 bytes of memory per
        byte of text, so it is built in a bounded child and comes back as JSON."""
        assert self.sandbox is not None
        limits = dataclasses.asdict(self.limits)
        limits["sys_path"] = [path for path in sys.path if path]
        what = f"parsing {name}"
        # JSON quotes what YAML leaves bare: room for twice the bytes the bound allows
        answer_bytes = 2 * self.limits.max_manifest_bytes
        found = self.sandbox.run("parse", (data, kind, limits), what, answer_bytes=answer_bytes)
        if "failure" in found:
            message, line, bound = found["failure"]
            return ParseFailure(str(message), line, str(bound))
        if "fallback" in found:
            return self._parse(data, kind)  # tags JSON cannot hold: rare, and bounded
        documents = tuple((int(index), doc) for index, doc in found["documents"])
        return Parsed(documents, int(found["size"]), int(found["objects"]))

    def _parse(self, data: bytes, kind: str) -> Parsed | ParseFailure:
        self.parses += 1
        limits = self.limits
        if len(data) > limits.max_manifest_bytes:
            size = format_bytes(len(data))
            error = limits.exceeded("max-manifest-bytes", f"a file of {size}")
            return ParseFailure(str(error), None, error.bound)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            return ParseFailure(f"not valid UTF-8 (byte {err.start})", line)
        try:
            if kind == "json":
                return _parsed(((0, load_json(text, limits)),), len(data))
            loaded, expanded = load_yaml(text, limits)
        except json.JSONDecodeError as err:
            return ParseFailure(f"invalid JSON: {err.msg}", err.lineno)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            problem = err.problem or err.context or "syntax error"
            return ParseFailure(f"invalid YAML: {problem}", mark.line + 1 if mark else None)
        except yaml.YAMLError as err:
            return ParseFailure(f"invalid YAML: {str(err).splitlines()[0]}", None)
        except LimitExceeded as err:
            return ParseFailure(str(err), None, err.bound)
        except ManifestError as err:  # an alias that contains itself
            return ParseFailure(str(err), None)
        documents = tuple((index, doc) for index, doc in enumerate(loaded) if doc is not None)
        return _parsed(documents, expanded)


def _parsed(documents: Documents, size: int) -> Parsed:
    objects = sum(len(doc["items"]) if is_list(doc) else 1 for _, doc in documents)
    return Parsed(documents, size, objects)
