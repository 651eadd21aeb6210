"""ApplicationSet -> Applications: run the generators, render the template per param set.

Pure given the tree provider and the clusters; all or nothing: any failure raises one
AppSetError naming the ApplicationSet and the field, and nothing is returned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from gitsync.appset.cluster import ClusterRecord
from gitsync.appset.context import Context, GeneratorEnv, TreeProvider
from gitsync.appset.errors import FieldError
from gitsync.appset.generators import generator_name, run_generator
from gitsync.appset.generators.combine import override
from gitsync.appset.generators.count import check_count
from gitsync.appset.patch import strategic_merge
from gitsync.appset.rollingsync import parse_strategy
from gitsync.appset.templating import Params, Templater
from gitsync.errors import AppSetError, ManifestError, SourceError
from gitsync.model import APPSET_ANNOTATION, Application, ApplicationSet
from gitsync.render.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from gitsync.render.parse import load_one

API_VERSION = "argoproj.io/v1alpha1"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


def expand(
    appset: ApplicationSet,
    *,
    trees: TreeProvider,
    clusters: list[ClusterRecord] | tuple[ClusterRecord, ...],
    env: GeneratorEnv | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Application]:
    """The Applications `appset` generates, sorted by name; at most
    `limits.max_generated_apps` of them (LimitExceeded past it, before any is built)."""
    templater = Templater(go_template=appset.go_template, strict=appset.missing_key_error)
    ctx = Context(
        appset,
        templater,
        trees,
        tuple(clusters),
        env or GeneratorEnv(),
        limits,
        run_child=run_generator,
    )
    try:
        parse_strategy((appset.obj.get("spec") or {}).get("strategy"))
        return _expand(appset, ctx)
    except FieldError as err:
        raise AppSetError(f"ApplicationSet {appset.name}: {err}") from None
    except SourceError as err:
        raise AppSetError(f"ApplicationSet {appset.name}: {err}") from None
    except LimitExceeded as err:
        where = f" ({appset.location})" if appset.location else ""
        raise err.within(f"ApplicationSet {appset.name}{where}") from None


def _expand(appset: ApplicationSet, ctx: Context) -> list[Application]:
    by_name: dict[str, tuple[Application, Params]] = {}
    generated = 0
    for index, entry in enumerate(appset.generators):
        field = f"spec.generators[{index}]"
        template = _template_for(appset, entry, field)
        param_sets = run_generator(entry, ctx, field, None)
        generated += len(param_sets)
        check_count(generated, ctx, "spec.generators")
        for params in param_sets:
            app = _application(appset, ctx, template, params)
            if app.name in by_name:
                raise FieldError(
                    "spec.template.metadata.name",
                    f"two param sets generate the Application {app.name!r}: "
                    f"{_summary(by_name[app.name][1])} and {_summary(params)}",
                )
            by_name[app.name] = (app, params)
    return [by_name[name][0] for name in sorted(by_name)]


def _template_for(appset: ApplicationSet, entry: Any, field: str) -> Mapping[str, Any]:
    """The ApplicationSet template with the generator's own `template` merged over it."""
    name = generator_name(entry, field)
    spec = entry[name]
    own = spec.get("template") if isinstance(spec, Mapping) else None
    if own is None:
        return appset.template
    if not isinstance(own, Mapping):
        raise FieldError(f"{field}.{name}.template", "must be a mapping")
    return override(dict(appset.template), dict(own), deep=True)


def _application(
    appset: ApplicationSet, ctx: Context, template: Mapping[str, Any], params: Params
) -> Application:
    templater = ctx.templater
    rendered = templater.value(template, params, "spec.template")
    metadata = rendered.get("metadata") or {}
    spec = rendered.get("spec")
    if not isinstance(metadata, Mapping):
        raise FieldError("spec.template.metadata", "must be a mapping")
    if not isinstance(spec, Mapping):
        raise FieldError("spec.template.spec", f"is missing (params: {_summary(params)})")
    obj: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": dict(metadata),
        "spec": dict(spec),
    }
    if appset.go_template and appset.template_patch:
        obj = _patched(obj, templater, appset.template_patch, params, ctx.limits)
    meta = obj["metadata"]
    if not meta.get("namespace") and appset.namespace:
        meta["namespace"] = appset.namespace
    annotations = dict(meta.get("annotations") or {})
    annotations[APPSET_ANNOTATION] = appset.name
    meta["annotations"] = annotations
    _check_name(meta.get("name"), params)
    try:
        return Application.from_object(obj, source=appset.location)
    except ManifestError as err:
        message = str(err).removeprefix(f"{appset.location}: ") if appset.location else str(err)
        raise FieldError("spec.template", f"{message} (params: {_summary(params)})") from None


def _patched(
    obj: dict[str, Any], templater: Templater, patch: str, params: Params, limits: Limits
) -> dict[str, Any]:
    text = templater.string(patch, params, "spec.templatePatch")
    try:
        loaded = load_one(text, limits)
    except (yaml.YAMLError, ManifestError) as err:
        raise FieldError(
            "spec.templatePatch", f"rendered patch is not YAML: {' '.join(str(err).split())}"
        ) from None
    if loaded is None:
        return obj
    if not isinstance(loaded, Mapping):
        raise FieldError("spec.templatePatch", "rendered patch must be a mapping")
    merged: dict[str, Any] = strategic_merge(obj, loaded)
    for key in ("metadata", "spec"):
        if not isinstance(merged.get(key), Mapping):
            raise FieldError("spec.templatePatch", f"patch leaves no {key} mapping")
    merged["apiVersion"], merged["kind"] = API_VERSION, "Application"
    merged["metadata"] = dict(merged["metadata"])
    return merged


def _check_name(name: Any, params: Params) -> None:
    if not isinstance(name, str) or not name:
        raise FieldError(
            "spec.template.metadata.name",
            f"generated Application has no name (params: {_summary(params)})",
        )
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise FieldError(
            "spec.template.metadata.name",
            f"generated name {name!r} is not a valid Application name "
            f"(lower case letters, digits, '-' and '.'; params: {_summary(params)})",
        )


def _summary(params: Params) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:197] + "..."
