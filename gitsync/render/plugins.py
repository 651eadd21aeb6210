"""Config management plugins (Argo CD's CMP v2): ``ConfigManagementPlugin`` files, and
which plugin renders a source.

A plugin is named ``<metadata.name>-<spec.version>`` when it declares a version, else
``<metadata.name>``. A source names its plugin with ``spec.source.plugin.name``; without
a name the first plugin (by name) whose discovery rules match the app's directory is
used, as Argo CD does. A plugin without discovery rules is only used by name.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import RenderError, UserInputError
from gitsync.render.parse import ManifestLoader
from gitsync.source.tree import Tree

PLUGIN_KIND = "ConfigManagementPlugin"
_SPEC_FIELDS = frozenset(
    {
        "version",
        "init",
        "generate",
        "discover",
        "parameters",
        "preserveFileMode",
        "provideGitCreds",
        "lockRepo",
        "allowConcurrency",
    }
)
_MAX_PLUGIN_FILE = 1024 * 1024
_MAX_DISCOVERY_FILES = 100_000  # files looked at per discovery glob


@dataclass(frozen=True)
class Command:
    """A command and its arguments, run without a shell (``sh -c`` when written so)."""

    command: tuple[str, ...]
    args: tuple[str, ...] = ()

    @property
    def argv(self) -> list[str]:
        return [*self.command, *self.args]


@dataclass(frozen=True)
class ConfigManagementPlugin:
    """A CMP v2 plugin: its commands and how it discovers the sources it renders."""

    name: str  # metadata.name
    version: str
    generate: Command
    init: Command | None = None
    discover_file_name: str = ""
    discover_glob: str = ""
    discover_command: Command | None = None
    preserve_file_mode: bool = False
    origin: str = ""  # the file it was read from

    @property
    def full_name(self) -> str:
        """The name a source uses: ``name-version``, or ``name`` without a version."""
        return f"{self.name}-{self.version}" if self.version else self.name

    @property
    def discoverable(self) -> bool:
        return bool(self.discover_file_name or self.discover_glob or self.discover_command)

    def digest(self) -> str:
        """A digest of everything that changes what the plugin renders (cache keys)."""
        text = json.dumps(
            [
                self.full_name,
                self.generate.argv,
                self.init.argv if self.init else None,
                self.preserve_file_mode,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()


class PluginSet:
    """The configured plugins, by full name."""

    def __init__(self, plugins: Iterable[ConfigManagementPlugin] = ()) -> None:
        self.plugins: dict[str, ConfigManagementPlugin] = {}
        for plugin in plugins:
            seen = self.plugins.get(plugin.full_name)
            if seen is not None:
                raise UserInputError(
                    f"plugin {plugin.full_name} is configured twice ({seen.origin} and "
                    f"{plugin.origin})"
                )
            self.plugins[plugin.full_name] = plugin
        # Asked on every render-cache lookup: computed once.
        self._discoverable = [
            self.plugins[name] for name in sorted(self.plugins) if self.plugins[name].discoverable
        ]
        self._digest = hashlib.sha256(
            json.dumps(sorted(p.digest() for p in self.plugins.values())).encode()
        ).hexdigest()

    def __bool__(self) -> bool:
        return bool(self.plugins)

    @property
    def discoverable(self) -> list[ConfigManagementPlugin]:
        """Plugins with discovery rules, by name (the order Argo CD tries them in)."""
        return self._discoverable

    def named(self, name: str) -> ConfigManagementPlugin:
        plugin = self.plugins.get(name)
        if plugin is None:
            known = ", ".join(sorted(self.plugins)) or "none"
            raise RenderError(
                f"config management plugin {name!r} is not configured (configured: {known}); "
                "give its ConfigManagementPlugin file with --plugin FILE"
            )
        return plugin

    def digest(self) -> str:
        return self._digest


def load_plugins(files: Iterable[str] = (), directories: Iterable[str] = ()) -> PluginSet:
    """Plugins from FILEs and from every ``*.yaml``/``*.yml`` in DIRs (UserInputError)."""
    plugins: list[ConfigManagementPlugin] = []
    for file in files:
        plugins.extend(load_plugin_file(Path(file)))
    for directory in directories:
        folder = Path(directory)
        if not folder.is_dir():
            raise UserInputError(f"plugins directory {directory} does not exist")
        for entry in sorted(folder.iterdir()):
            # ConfigMap mounts hold `..data` links and dot-directories: skip hidden names.
            if entry.name.startswith(".") or entry.suffix not in (".yaml", ".yml"):
                continue
            if entry.is_file():
                plugins.extend(load_plugin_file(entry))
    return PluginSet(plugins)


def load_plugin_file(path: Path) -> list[ConfigManagementPlugin]:
    try:
        if path.stat().st_size > _MAX_PLUGIN_FILE:
            raise UserInputError(f"plugin file {path}: larger than 1 MB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(f"plugin file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError(f"plugin file {path}: cannot read it ({err})") from None
    try:
        documents = [d for d in yaml.load_all(text, Loader=ManifestLoader) if d is not None]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise UserInputError(f"plugin file {path}{where}: invalid YAML") from None
    if not documents:
        raise UserInputError(f"plugin file {path}: no ConfigManagementPlugin in it")
    return [parse_plugin(document, str(path)) for document in documents]


def parse_plugin(obj: Any, origin: str) -> ConfigManagementPlugin:
    """One ConfigManagementPlugin document; UserInputError naming `origin` when invalid."""

    def fail(message: str) -> UserInputError:
        return UserInputError(f"plugin file {origin}: {message}")

    if not isinstance(obj, dict) or obj.get("kind") != PLUGIN_KIND:
        raise fail(f"expected kind {PLUGIN_KIND}")
    name = (
        (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    )
    if not isinstance(name, str) or not name.strip():
        raise fail("metadata.name is missing")
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise fail("spec is missing")
    unknown = sorted(set(spec) - _SPEC_FIELDS)
    if unknown:
        raise fail(f"unknown field spec.{unknown[0]}")
    if spec.get("provideGitCreds"):
        raise fail("provideGitCreds is not supported: Git credentials never reach plugins")
    version = spec.get("version") or ""
    if not isinstance(version, (str, int, float)):
        raise fail("spec.version must be a string")
    generate = _command(spec.get("generate"), "spec.generate", fail)
    if generate is None:
        raise fail("spec.generate.command is missing")
    discover = spec.get("discover") or {}
    if not isinstance(discover, dict):
        raise fail("spec.discover must be a mapping")
    find = discover.get("find") or {}
    if not isinstance(find, dict):
        raise fail("spec.discover.find must be a mapping")
    find_command = None
    if find.get("command"):
        find_command = _command(
            {"command": find.get("command"), "args": find.get("args")}, "spec.discover.find", fail
        )
    return ConfigManagementPlugin(
        name=name.strip(),
        version=str(version),
        generate=generate,
        init=_command(spec.get("init"), "spec.init", fail),
        discover_file_name=_string(discover.get("fileName"), "spec.discover.fileName", fail),
        discover_glob=_string(find.get("glob"), "spec.discover.find.glob", fail),
        discover_command=find_command,
        preserve_file_mode=bool(spec.get("preserveFileMode")),
        origin=origin,
    )


def _string(value: Any, where: str, fail: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(f"{where} must be a string")
    return value


def _command(value: Any, where: str, fail: Any) -> Command | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise fail(f"{where} must be a mapping with command and args")
    command, args = value.get("command"), value.get("args")
    for part, label in ((command, "command"), (args, "args")):
        if part is not None and (
            not isinstance(part, list) or not all(isinstance(v, (str, int, float)) for v in part)
        ):
            raise fail(f"{where}.{label} must be a list of strings")
    if not command:
        return None
    return Command(tuple(str(v) for v in command), tuple(str(v) for v in args or []))


# -- discovery -------------------------------------------------------------------------------


def matches_files(plugin: ConfigManagementPlugin, tree: Tree, path: str) -> bool | None:
    """Whether the plugin's fileName / find.glob rule matches the app's directory; None
    when the plugin discovers by command only (the caller runs it)."""
    if plugin.discover_file_name:
        return _any_match(tree, path, plugin.discover_file_name, recursive=False)
    if plugin.discover_glob:
        return _any_match(tree, path, plugin.discover_glob, recursive=True)
    return None


def _any_match(tree: Tree, path: str, pattern: str, *, recursive: bool) -> bool:
    wanted = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    if not wanted:
        return True
    for candidate in _entries(tree, path):
        if _segments_match(wanted, candidate.split("/"), recursive):
            return True
    return False


def _entries(tree: Tree, path: str) -> Iterator[str]:
    """Files and directories below `path`, relative to it (bounded)."""
    prefix = f"{path}/" if path else ""
    directories: set[str] = set()
    for count, name in enumerate(tree.walk_files(path)):
        if count >= _MAX_DISCOVERY_FILES:
            raise RenderError(f"{path or '.'}: too many files to match plugin discovery rules")
        relative = name[len(prefix) :]
        yield relative
        parts = relative.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            directory = "/".join(parts[:depth])
            if directory not in directories:
                directories.add(directory)
                yield directory


def _segments_match(pattern: list[str], parts: list[str], recursive: bool) -> bool:
    """Go's filepath.Match per segment; with `recursive`, ``**`` spans any depth."""
    if not pattern:
        return not parts
    head = pattern[0]
    if recursive and head == "**":
        return any(
            _segments_match(pattern[1:], parts[skip:], recursive) for skip in range(len(parts) + 1)
        )
    if not parts:
        return False
    return _segment(head, parts[0]) and _segments_match(pattern[1:], parts[1:], recursive)


def _segment(pattern: str, name: str) -> bool:
    # Go writes a negated class as [^...]; fnmatch as [!...].
    return fnmatch.fnmatchcase(name, pattern.replace("[^", "[!"))
