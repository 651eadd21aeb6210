"""URL paths to what they name: a discovery document or a resource (with namespace, name
and subresource)."""

from __future__ import annotations

from dataclasses import dataclass

from .registry import Registry, ResourceType


@dataclass(frozen=True, slots=True)
class Route:
    """An API path taken apart: group, version, resource, namespace, name, subresource."""

    group: str
    version: str
    rtype: ResourceType | None  # None: the group-version's resource list (discovery)
    plural: str = ""
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""
    legacy_watch: bool = False

    def key(self, name: str | None = None) -> str | None:
        name = name or self.name
        if self.rtype is None or not name:
            return None
        if self.rtype.namespaced and self.namespace:
            return f"{self.rtype.kind}/{self.namespace}/{name}"
        return f"{self.rtype.kind}/{name}"


class UnknownResource(Exception):
    """The path names a resource the emulator does not serve."""

    pass


def resolve(registry: Registry, parts: list[str]) -> Route | None:
    """`parts` are the non-empty segments of the path. None for paths that are not under
    /api/{v} or /apis/{g}/{v}; UnknownResource for an unserved resource."""
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return Route(group, version, None)
    legacy_watch = False
    if rest[0] == "watch":
        legacy_watch = True
        rest = rest[1:]
        if not rest:
            raise UnknownResource()
    namespace: str | None = None
    namespace_sub = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
    if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_sub:
        namespace = rest[1]
        rest = rest[2:]
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else ""
    if len(rest) > 3:
        raise UnknownResource()
    rtype = registry.by_plural(group, version, plural)
    if rtype is None:
        raise UnknownResource()
    namespace_finalize = subresource == "finalize" and rtype.kind == "Namespace"
    bad_subresource = subresource not in ("status", "finalize") or not rtype.has_status
    if subresource and bad_subresource and not namespace_finalize:
        raise UnknownResource()
    if not rtype.namespaced:
        namespace = None
    return Route(group, version, rtype, plural, namespace, name, subresource, legacy_watch)
