"""Render parameters of an Application source, read from Argo CD's `spec.source`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from gitsync.errors import RenderError
from gitsync.render.sourcefields import refuse_unsupported


@dataclass(frozen=True)
class JsonnetVar:
    """A top-level argument or external variable; `code` means the value is Jsonnet code."""

    name: str
    value: str
    code: bool = False


@dataclass(frozen=True)
class JsonnetOptions:
    """`directory.jsonnet`: top-level arguments, external variables, library paths."""

    tlas: tuple[JsonnetVar, ...] = ()
    ext_vars: tuple[JsonnetVar, ...] = ()
    libs: tuple[str, ...] = ()  # library search paths, relative to the repository root


@dataclass(frozen=True)
class DirectoryOptions:
    """`source.directory`: recursion, include/exclude globs, Jsonnet options."""

    recurse: bool = False
    include: str = ""
    exclude: str = ""
    jsonnet: JsonnetOptions = field(default_factory=JsonnetOptions)


@dataclass(frozen=True)
class HelmParameter:
    """One ``--set`` (or ``--set-string`` with `force_string`) name/value pair."""

    name: str
    value: str
    force_string: bool = False


@dataclass(frozen=True)
class HelmOptions:
    """`source.helm`: release name, values (files, inline, object), parameters."""

    release_name: str = ""
    namespace: str = ""
    value_files: tuple[str, ...] = ()
    values: str = ""  # an inline YAML document
    values_object: dict[str, Any] | None = field(default=None, hash=False)
    parameters: tuple[HelmParameter, ...] = ()
    file_parameters: tuple[tuple[str, str], ...] = ()  # (name, path) of --set-file
    skip_crds: bool = False
    skip_tests: bool = False
    ignore_missing_value_files: bool = False
    # `$ref/path` value files of a multi-source app, read from the source named `ref`:
    # (the entry as written, its content)
    referenced_files: tuple[tuple[str, str], ...] = ()

    def referenced_entries(self) -> list[tuple[str, str]]:
        """(ref, path) of each `$ref/path` value file."""
        found: list[tuple[str, str]] = []
        for entry in self.value_files:
            if entry.startswith("$"):
                ref, _, path = entry[1:].partition("/")
                found.append((ref, path))
        return found


@dataclass(frozen=True)
class KustomizeOptions:
    """`source.kustomize`: name prefix/suffix, namespace, images, common labels."""

    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str = ""
    images: tuple[str, ...] = ()
    common_labels: tuple[tuple[str, str], ...] = ()
    common_annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PluginOptions:
    """``spec.source.plugin``: `declared` when the source has one (even ``{}``)."""

    declared: bool = False
    name: str = ""  # "" = discover
    env: tuple[tuple[str, str], ...] = ()
    parameters: str = ""  # the parameters as JSON, as Argo CD hands them over ("" = none)


@dataclass(frozen=True)
class RenderOptions:
    """How to render one source. `source_type` forces a renderer ("" = detect)."""

    directory: DirectoryOptions = field(default_factory=DirectoryOptions)
    helm: HelmOptions = field(default_factory=HelmOptions)
    kustomize: KustomizeOptions = field(default_factory=KustomizeOptions)
    plugin: PluginOptions = field(default_factory=PluginOptions)
    source_type: str = ""  # "", "Directory", "Helm", "Kustomize" or "Plugin"

    @classmethod
    def from_source(
        cls, source: dict[str, Any], *, app_name: str = "", namespace: str = ""
    ) -> RenderOptions:
        """Options from an Argo CD ``spec.source`` mapping.

        `app_name` is Helm's default release name and `namespace` its default namespace
        (Argo CD uses the Application's name and destination namespace).
        """
        if not isinstance(source, dict):
            raise RenderError("spec.source must be a mapping")
        refuse_unsupported(source)
        explicit = [name for name in ("directory", "helm", "kustomize") if source.get(name)]
        if source.get("plugin") is not None:
            explicit.append("plugin")
        if len(explicit) > 1:
            raise RenderError(f"spec.source sets more than one of {', '.join(explicit)}")
        return cls(
            directory=_directory(_mapping(source, "directory")),
            helm=_helm(_mapping(source, "helm"), app_name, namespace),
            kustomize=_kustomize(_mapping(source, "kustomize")),
            plugin=_plugin(source.get("plugin")),
            source_type=explicit[0].capitalize() if explicit else "",
        )

    def fingerprint(self) -> str:
        """A stable digest of every option, for cache keys.

        Computed once per instance (options are immutable): a render-cache lookup asks
        for it every time, and JSON + SHA-256 would cost more than the lookup itself.
        """
        known: str | None = self.__dict__.get("_fingerprint")
        if known is None:
            text = json.dumps(asdict(self), sort_keys=True, default=str)
            known = hashlib.sha256(text.encode()).hexdigest()
            object.__setattr__(self, "_fingerprint", known)  # not a field: eq, repr as before
        return known


def _mapping(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise RenderError(f"spec.source.{key} must be a mapping")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RenderError(f"{where} must be a list of strings")
    return tuple(value)


def _jsonnet_vars(value: Any, where: str) -> tuple[JsonnetVar, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RenderError(f"{where} must be a list of {{name, value, code}}")
    result: list[JsonnetVar] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RenderError(f"{where}: every entry needs a name")
        result.append(JsonnetVar(item["name"], str(item.get("value", "")), bool(item.get("code"))))
    return tuple(result)


def _directory(spec: dict[str, Any]) -> DirectoryOptions:
    jsonnet = spec.get("jsonnet") or {}
    if not isinstance(jsonnet, dict):
        raise RenderError("spec.source.directory.jsonnet must be a mapping")
    return DirectoryOptions(
        recurse=bool(spec.get("recurse", False)),
        include=str(spec.get("include") or ""),
        exclude=str(spec.get("exclude") or ""),
        jsonnet=JsonnetOptions(
            tlas=_jsonnet_vars(jsonnet.get("tlas"), "directory.jsonnet.tlas"),
            ext_vars=_jsonnet_vars(jsonnet.get("extVars"), "directory.jsonnet.extVars"),
            libs=_strings(jsonnet.get("libs"), "directory.jsonnet.libs"),
        ),
    )


def _helm(spec: dict[str, Any], app_name: str, namespace: str) -> HelmOptions:
    values_object = spec.get("valuesObject")
    if values_object is not None and not isinstance(values_object, dict):
        raise RenderError("spec.source.helm.valuesObject must be a mapping")
    values = spec.get("values") or ""
    if not isinstance(values, str):
        raise RenderError("spec.source.helm.values must be a string (use valuesObject)")
    parameters: list[HelmParameter] = []
    for item in spec.get("parameters") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RenderError("spec.source.helm.parameters: every entry needs a name")
        value = item.get("value", "")
        parameters.append(
            HelmParameter(
                item["name"], "" if value is None else str(value), bool(item.get("forceString"))
            )
        )
    file_parameters: list[tuple[str, str]] = []
    for item in spec.get("fileParameters") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RenderError("spec.source.helm.fileParameters: every entry needs a name")
        if not isinstance(item.get("path"), str) or not item["path"]:
            raise RenderError(f"spec.source.helm.fileParameters: {item['name']} needs a path")
        file_parameters.append((item["name"], item["path"]))
    return HelmOptions(
        release_name=str(spec.get("releaseName") or app_name),
        namespace=str(spec.get("namespace") or namespace),
        value_files=_strings(spec.get("valueFiles"), "helm.valueFiles"),
        values=values,
        values_object=values_object,
        parameters=tuple(parameters),
        file_parameters=tuple(file_parameters),
        skip_crds=bool(spec.get("skipCrds", False)),
        skip_tests=bool(spec.get("skipTests", False)),
        ignore_missing_value_files=bool(spec.get("ignoreMissingValueFiles", False)),
    )


def _plugin(spec: Any) -> PluginOptions:
    if spec is None:
        return PluginOptions()
    if not isinstance(spec, dict):
        raise RenderError("spec.source.plugin must be a mapping")
    name = spec.get("name") or ""
    if not isinstance(name, str):
        raise RenderError("spec.source.plugin.name must be a string")
    env: list[tuple[str, str]] = []
    for item in spec.get("env") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise RenderError("spec.source.plugin.env: every entry needs a name")
        value = item.get("value")
        env.append((item["name"], "" if value is None else str(value)))
    raw = spec.get("parameters") or []
    if not isinstance(raw, list):
        raise RenderError("spec.source.plugin.parameters must be a list")
    parameters: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RenderError("spec.source.plugin.parameters: every entry needs a name")
        parameter: dict[str, Any] = {"name": item["name"]}
        if item.get("string") is not None:
            parameter["string"] = str(item["string"])
        if item.get("array") is not None:
            if not isinstance(item["array"], list):
                raise RenderError(f"plugin parameter {item['name']}: array must be a list")
            parameter["array"] = [str(v) for v in item["array"]]
        if item.get("map") is not None:
            if not isinstance(item["map"], dict):
                raise RenderError(f"plugin parameter {item['name']}: map must be a mapping")
            parameter["map"] = {str(k): str(v) for k, v in item["map"].items()}
        parameters.append(parameter)
    return PluginOptions(
        declared=True,
        name=name,
        env=tuple(env),
        parameters=json.dumps(parameters, separators=(",", ":")) if parameters else "",
    )


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise RenderError(f"{where} must be a mapping")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _kustomize(spec: dict[str, Any]) -> KustomizeOptions:
    return KustomizeOptions(
        name_prefix=str(spec.get("namePrefix") or ""),
        name_suffix=str(spec.get("nameSuffix") or ""),
        namespace=str(spec.get("namespace") or ""),
        images=_strings(spec.get("images"), "kustomize.images"),
        common_labels=_pairs(spec.get("commonLabels"), "kustomize.commonLabels"),
        common_annotations=_pairs(spec.get("commonAnnotations"), "kustomize.commonAnnotations"),
    )
