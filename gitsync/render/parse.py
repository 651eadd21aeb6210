"""Bytes of a YAML or JSON file -> documents, with errors that name the file and line.

Parsing dominates a cold render, so results are cached by content identity (the blob SHA
for Git trees): a file unchanged between two commits is parsed once. Parsed objects are
shared between renders and must be treated as read-only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from gitsync.errors import ManifestError
from gitsync.render.lru import LRU

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SPECIAL_KEYS = frozenset(("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"))
_RESOLVED_MAX = 65536  # plain scalars whose tag is remembered (values repeat a lot)
_RESOLVED_LENGTH = 64  # longer scalars are resolved every time


class _Unusual(Exception):
    """The document needs PyYAML's general constructor (merge keys, tags, recursion)."""


class ManifestLoader(yaml.CSafeLoader):
    """The C loader, leaving dates as strings (as Kubernetes' YAML-to-JSON does).

    Two shortcuts make it faster than the stock loader, with the same results: the tag of
    a plain scalar is remembered by value instead of matching the resolver regexes every
    time, and documents of plain mappings, sequences and scalars are built by a direct
    walk of the node tree; anything else goes through PyYAML's constructor.
    """

    _resolved: dict[str, str] = {}

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
        try:
            return self._build(node, {})
        except _Unusual:
            return super().construct_document(node)

    def _build(self, node: Any, built: dict[int, Any]) -> Any:
        """The object of `node`; aliases (the same node twice) give the same object."""
        cls = node.__class__
        if cls is ScalarNode:
            if node.tag == _STR:
                return node.value
            construct = self.yaml_constructors.get(node.tag)
            if construct is None:
                raise _Unusual
            return construct(self, node)
        ident = id(node)
        if ident in built:
            if built[ident] is _IN_PROGRESS:
                raise _Unusual  # a recursive structure
            return built[ident]
        built[ident] = _IN_PROGRESS
        result: Any
        if cls is MappingNode and node.tag == _MAP:
            result = {}
            for key_node, value_node in node.value:
                if key_node.tag in _SPECIAL_KEYS:
                    raise _Unusual
                key = self._build(key_node, built)
                try:
                    result[key] = self._build(value_node, built)
                except TypeError:
                    raise _Unusual from None  # an unhashable key: PyYAML's error
        elif cls is SequenceNode and node.tag == _SEQ:
            result = [self._build(child, built) for child in node.value]
        else:
            raise _Unusual
        built[ident] = result
        return result


_IN_PROGRESS = object()
ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
# `resolve` above relies on this: a scalar's tag depends on its value alone.
assert not ManifestLoader.yaml_path_resolvers


def _kind(name: str) -> str:
    return "json" if name.endswith(".json") else "yaml"


@dataclass(frozen=True)
class ParseFailure:
    """A cached parse error, re-raised with the name of whichever path holds the blob."""

    message: str
    line: int | None


Documents = tuple[tuple[int, Any], ...]  # (index in the stream, object); empty ones dropped


class DocumentParser:
    """Parses files into documents, caching by content identity."""

    def __init__(self, cache_size: int = 4096) -> None:
        self.cache: LRU[tuple[str, str], Documents | ParseFailure] = LRU(cache_size)
        self.parses = 0

    def cached(self, name: str, content_id: str) -> Documents | None:
        """The documents of a blob parsed before, without reading it again; None if new."""
        result = self.cache.get((_kind(name), content_id))
        return None if result is None else self._unwrap(result, name)

    def parse(self, data: bytes, name: str, content_id: str | None = None) -> Documents:
        """The non-empty documents of file `name`; ManifestError ``name:LINE`` if invalid."""
        kind = _kind(name)
        key = (kind, content_id or hashlib.sha1(data).hexdigest())
        result = self.cache.get(key)
        if result is None:
            result = self._parse(data, kind)
            self.cache.put(key, result)
        return self._unwrap(result, name)

    @staticmethod
    def _unwrap(result: Documents | ParseFailure, name: str) -> Documents:
        if isinstance(result, ParseFailure):
            location = f"{name}:{result.line}" if result.line else name
            raise ManifestError(result.message, location)
        return result

    def _parse(self, data: bytes, kind: str) -> Documents | ParseFailure:
        self.parses += 1
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            return ParseFailure(f"not valid UTF-8 (byte {err.start})", line)
        if kind == "json":
            try:
                return ((0, json.loads(text)),)
            except json.JSONDecodeError as err:
                return ParseFailure(f"invalid JSON: {err.msg}", err.lineno)
        try:
            loaded = list(yaml.load_all(text, Loader=ManifestLoader))
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            problem = err.problem or err.context or "syntax error"
            return ParseFailure(f"invalid YAML: {problem}", mark.line + 1 if mark else None)
        except yaml.YAMLError as err:
            return ParseFailure(f"invalid YAML: {str(err).splitlines()[0]}", None)
        return tuple((index, doc) for index, doc in enumerate(loaded) if doc is not None)
