"""Where Lua health scripts come from: a directory in Argo CD's `resource_customizations`
layout, or the data of an Argo CD style ConfigMap (argocd-cm).

Directory: ``DIR/<group>/<Kind>/health.lua`` (``DIR/<Kind>/health.lua`` for the core
group); a ``_`` in a directory name stands for ``*``, so ``_.crossplane.io/_/health.lua``
covers every kind of every Crossplane group.

ConfigMap keys: ``resource.customizations.health.<group>_<Kind>`` (``<Kind>`` alone for
the core group) and the older ``resource.customizations`` block, a YAML mapping of
``<group>/<Kind>`` (globs allowed) to ``{health.lua: ...}``. The per-kind keys win over
the block. The same ConfigMap's ``resource.customizations.ignoreDifferences.<group>_<Kind>``
and ``...ignoreDifferences.all`` become ignoreDifferences rules for every application.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import ConfigError
from gitsync.health.lua_runtime import CompiledScript, LuaRuntime, shared_runtime

SCRIPT_FILE = "health.lua"
MAX_SCRIPT_BYTES = 256 * 1024
MAX_SCRIPTS = 5_000
HEALTH_PREFIX = "resource.customizations.health."
IGNORE_PREFIX = "resource.customizations.ignoreDifferences."
BLOCK_KEY = "resource.customizations"


@dataclass(frozen=True)
class LuaScript:
    """One script and the kinds it covers (`group` and `kind` may be globs)."""

    group: str
    kind: str
    origin: str  # a file path, or ``<ConfigMap name>:<key>``
    compiled: CompiledScript = field(repr=False, compare=False)

    @property
    def wildcard(self) -> bool:
        return "*" in self.group or "*" in self.kind or "?" in self.group or "?" in self.kind

    def covers(self, group: str, kind: str) -> bool:
        return fnmatchcase(group, self.group) and fnmatchcase(kind, self.kind)


class LuaScripts:
    """Scripts by (group, kind): an exact entry wins over a wildcard one; among wildcard
    entries the first given wins."""

    def __init__(self, scripts: Iterable[LuaScript] = ()) -> None:
        self._exact: dict[tuple[str, str], LuaScript] = {}
        self._wildcards: list[LuaScript] = []
        for script in scripts:
            if script.wildcard:
                self._wildcards.append(script)
            else:
                self._exact.setdefault((script.group, script.kind), script)
        self._found: dict[tuple[str, str], LuaScript | None] = {}

    def __len__(self) -> int:
        return len(self._exact) + len(self._wildcards)

    def __iter__(self) -> Iterator[LuaScript]:
        return iter([*self._exact.values(), *self._wildcards])

    def find(self, group: str, kind: str) -> LuaScript | None:
        key = (group, kind)
        if key in self._found:
            return self._found[key]
        found = self._exact.get(key)
        if found is None:
            found = next((s for s in self._wildcards if s.covers(group, kind)), None)
        if len(self._found) < 10_000:  # kinds are few; never let the memo grow without end
            self._found[key] = found
        return found


def _from_dir_name(name: str) -> str:
    return name.replace("_", "*")


def load_directory(directory: str | Path, runtime: LuaRuntime | None = None) -> LuaScripts:
    """Every ``health.lua`` of an Argo CD `resource_customizations` style directory.

    Raises ConfigError for a missing directory, an unreadable or oversized script, or
    too many scripts. A script that does not compile is kept: its objects get Unknown
    health naming the error."""
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"--health-lua {directory}: not a directory")
    lua = runtime or shared_runtime()
    scripts: list[LuaScript] = []
    for path in sorted(root.rglob(SCRIPT_FILE)):
        parts = path.relative_to(root).parts
        if len(parts) == 2:
            group, kind = "", parts[0]
        elif len(parts) == 3:
            group, kind = parts[0], parts[1]
        else:
            continue  # e.g. actions/<name>/... below a kind: not a health script
        if len(scripts) >= MAX_SCRIPTS:
            raise ConfigError(f"--health-lua {directory}: more than {MAX_SCRIPTS} scripts")
        shown = str(Path(directory) / path.relative_to(root))
        source = _read_script(path, shown)
        group, kind = _from_dir_name(group), _from_dir_name(kind)
        # Lua cuts chunk names at 60 characters: error messages name the relative path
        compiled = lua.compile(source, "/".join(parts))
        scripts.append(LuaScript(group, kind, shown, compiled))
    return LuaScripts(scripts)


def _read_script(path: Path, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            raise ConfigError(f"{shown}: larger than {MAX_SCRIPT_BYTES // 1024} KiB")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{shown}: cannot read: {err}") from err


def split_group_kind(text: str) -> tuple[str, str]:
    """``cert-manager.io_Certificate`` -> (``cert-manager.io``, ``Certificate``);
    ``Pod`` -> (``""``, ``Pod``). API groups never hold an underscore."""
    group, sep, kind = text.partition("_")
    return (group, kind) if sep else ("", group)


def _split_slash(text: str) -> tuple[str, str]:
    group, sep, kind = text.rpartition("/")
    return (group, kind) if sep else ("", text)


@dataclass(frozen=True)
class ArgoCdSettings:
    """What gitsync takes from an argocd-cm ConfigMap."""

    scripts: LuaScripts
    ignore_rules: tuple[dict[str, Any], ...] = ()  # Argo CD ignoreDifferences rules
    problems: tuple[str, ...] = ()  # keys that could not be read, with why


def _yaml(text: Any, where: str) -> Any:
    if not isinstance(text, str):
        return text
    if len(text) > MAX_SCRIPT_BYTES * 8:
        raise ConfigError(f"{where}: too large")
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        raise ConfigError(f"{where}: not valid YAML") from err


def _ignore_rule(group: str, kind: str, raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping with jsonPointers, jqPathExpressions, ...")
    rule: dict[str, Any] = {"group": group, "kind": kind}
    for name in ("jsonPointers", "jqPathExpressions", "managedFieldsManagers"):
        if raw.get(name) is not None:
            rule[name] = raw[name]
    return rule


def read_argocd_cm(
    data: Mapping[str, Any] | None, name: str, runtime: LuaRuntime | None = None
) -> ArgoCdSettings:
    """Health scripts and ignoreDifferences rules from an argocd-cm's ``data``.

    A key that cannot be read is skipped and named in `problems`, so one bad key does
    not drop the others."""
    lua = runtime or shared_runtime()
    split: list[LuaScript] = []
    block: list[LuaScript] = []
    rules: list[dict[str, Any]] = []
    problems: list[str] = []
    for key, value in sorted((data or {}).items()):
        key = str(key)
        where = f"ConfigMap {name} key {key}"
        try:
            if key.startswith(HEALTH_PREFIX) and isinstance(value, str):
                group, kind = split_group_kind(key[len(HEALTH_PREFIX) :])
                if len(value) > MAX_SCRIPT_BYTES:
                    raise ConfigError(f"{where}: larger than {MAX_SCRIPT_BYTES // 1024} KiB")
                origin = f"{name}:{key}"
                compiled = lua.compile(value, key[len(HEALTH_PREFIX) :])
                split.append(LuaScript(group, kind, origin, compiled))
            elif key.startswith(IGNORE_PREFIX):
                rest = key[len(IGNORE_PREFIX) :]
                group, kind = ("*", "*") if rest == "all" else split_group_kind(rest)
                rules.append(_ignore_rule(group, kind, _yaml(value, where), where))
            elif key == BLOCK_KEY:
                found_scripts, found_rules = _read_block(_yaml(value, where), name, lua)
                block.extend(found_scripts)
                rules.extend(found_rules)
        except ConfigError as err:
            problems.append(str(err))
    return ArgoCdSettings(LuaScripts([*split, *block]), tuple(rules), tuple(problems))


def _read_block(
    raw: Any, name: str, lua: LuaRuntime
) -> tuple[list[LuaScript], list[dict[str, Any]]]:
    where = f"ConfigMap {name} key {BLOCK_KEY}"
    if raw is None:
        return [], []
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping of group/Kind to settings")
    scripts: list[LuaScript] = []
    rules: list[dict[str, Any]] = []
    for group_kind, settings in raw.items():
        entry = f"{where} entry {group_kind}"
        if not isinstance(settings, Mapping):
            raise ConfigError(f"{entry}: expected a mapping")
        group, kind = _split_slash(str(group_kind))
        script = settings.get("health.lua")
        if isinstance(script, str) and script.strip():
            origin = f"{name}:{BLOCK_KEY}[{group_kind}]"
            compiled = lua.compile(script, str(group_kind))
            scripts.append(LuaScript(group, kind, origin, compiled))
        if settings.get("ignoreDifferences") is not None:
            found = _yaml(settings["ignoreDifferences"], entry)
            rules.append(_ignore_rule(group, kind, found, entry))
    return scripts, rules
