"""The plugin generator: param sets from an HTTP service, as Argo CD's.

``configMapRef.name`` names a ConfigMap in the Argo CD namespace with ``baseUrl``,
``token`` (``$key`` of the ``argocd-secret`` Secret, or ``$secret:key``) and optionally
``requestTimeout`` (seconds). The generator POSTs
``{"applicationSetName": ..., "input": {"parameters": ...}}`` to
``<baseUrl>/api/v1/getparams.execute`` with ``Authorization: Bearer <token>`` and reads
``{"output": {"parameters": [ {...}, ... ]}}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.generators.git import flatten
from gitsync.appset.generators.webclient import call_json
from gitsync.appset.resources import ResourceReader, config_map_data, secret_value
from gitsync.appset.templating import Params, append_values

ARGOCD_SECRET = "argocd-secret"
MAX_PARAM_SETS = 10_000
MAX_REQUEST_TIMEOUT = 300
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")


def generate_plugin(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    reader = needs_resources(ctx, field)
    ref = spec.get("configMapRef")
    name = ref.get("name") if isinstance(ref, Mapping) else None
    config_name = dns_name(name, f"{field}.configMapRef.name")
    where = f"{field}.configMapRef"
    namespace = ctx.env.namespace
    config = config_map_data(reader, namespace, config_name, where)
    if not config.get("baseUrl"):
        raise FieldError(where, f"ConfigMap {namespace}/{config_name} has no baseUrl")
    secret, key = _token_ref(config.get("token", ""), where)
    token = secret_value(reader, namespace, secret, key, where)
    timeout = _request_timeout(config.get("requestTimeout"), where, ctx.env.http_timeout)
    parameters = _input_parameters(spec.get("input"), f"{field}.input")
    url = config["baseUrl"].rstrip("/") + "/api/v1/getparams.execute"
    reply = call_json(
        "POST",
        url,
        ctx.env,
        field,
        headers={"Authorization": f"Bearer {token}"},
        body={"applicationSetName": ctx.appset.name, "input": {"parameters": parameters}},
        timeout=timeout,
    )
    results: list[Params] = []
    for index, found in enumerate(_output(reply.body, field)):
        if not isinstance(found, Mapping):
            raise FieldError(field, f"plugin reply: output.parameters[{index}] is not an object")
        params: Params = dict(found) if ctx.go_template else flatten(found)
        generator = {"input": {"parameters": parameters}}
        if ctx.go_template:
            params["generator"] = generator
        else:
            params.update(flatten(generator, "generator."))
        append_values(spec.get("values"), params, ctx.templater, f"{field}.values")
        results.append(params)
    return results


def needs_resources(ctx: Context, field: str) -> ResourceReader:
    if ctx.env.resources is None:
        raise FieldError(
            field, "needs ConfigMaps and Secrets to read (gitsync appset generate: --resources)"
        )
    return ctx.env.resources


def dns_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _DNS_NAME.match(value):
        raise FieldError(field, "must be the name of an object (lower case DNS name)")
    return value


def _token_ref(ref: str, field: str) -> tuple[str, str]:
    """``$key`` (in argocd-secret) or ``$secret:key``, as Argo CD reads it."""
    if not ref.startswith("$"):
        raise FieldError(field, "token must reference a Secret key: '$key' or '$secret:key'")
    secret, _, key = ref[1:].partition(":") if ":" in ref else (ARGOCD_SECRET, "", ref[1:])
    dns_name(secret, f"{field}.token")
    if not _SECRET_KEY.match(key):
        raise FieldError(f"{field}.token", "names no valid Secret key")
    return secret, key


def _request_timeout(raw: str | None, field: str, default: float) -> float:
    if raw is None or raw == "":
        return default
    try:
        seconds = int(raw)
    except ValueError:
        raise FieldError(field, f"requestTimeout {raw!r} is not a whole number") from None
    if not 0 < seconds <= MAX_REQUEST_TIMEOUT:
        raise FieldError(field, f"requestTimeout must be 1 to {MAX_REQUEST_TIMEOUT} seconds")
    return float(seconds)


def _input_parameters(raw: Any, field: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FieldError(field, "must be a mapping with parameters")
    parameters = raw.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        raise FieldError(f"{field}.parameters", "must be a mapping")
    return parameters


def _output(body: Any, field: str) -> list[Any]:
    output = body.get("output") if isinstance(body, Mapping) else None
    if not isinstance(output, Mapping):
        # Not a plugin's answer (a wrong baseUrl, a proxy page): never read as "no apps".
        raise FieldError(field, "plugin reply has no output object")
    found = output.get("parameters")
    if found is None:
        return []
    if not isinstance(found, list):
        raise FieldError(field, "plugin reply: output.parameters must be a list")
    if len(found) > MAX_PARAM_SETS:
        raise FieldError(field, f"plugin reply: more than {MAX_PARAM_SETS} param sets")
    return found
