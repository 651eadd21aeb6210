"""Configuration of `gitsync serve`: a YAML file, overridden by environment, overridden by flags.

Every key has a flag ``--<key-with-dashes>`` and an environment variable
``GITSYNC_<KEY_IN_CAPS>`` (e.g. ``github_secret`` <- ``--github-secret`` <-
``GITSYNC_GITHUB_SECRET``), so the Helm chart can set anything from a ConfigMap or a
Secret reference.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

from gitsync.durations import parse_duration
from gitsync.errors import ConfigError, GitsyncError
from gitsync.render.limits import DEFAULT_LIMITS, Limits, parse_size
from gitsync.shard.assignment import MAX_SHARDS, SHARD_BY
from gitsync.source.urls import redact_url

_DURATION_KEYS = (
    "poll_interval",
    "wave_delay",
    "sync_timeout",
    "plugin_timeout",
    "render_timeout",
    "lease_duration",
)
_LIMIT_KEYS = tuple(f.name for f in fields(Limits))
_SIZE_KEYS = ("max_manifest_bytes", "render_memory_limit")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# A replica's identity names its presence Lease ``gitsync-replica-<identity>``.
_IDENTITY = re.compile(r"[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?")
_SECRET_KEYS = frozenset(
    {
        "github_secret",
        "gitlab_secret",
        "gitea_secret",
        "bitbucket_server_secret",
        "bitbucket_uuid",
        "api_token",
    }
)
# A setting added later whose name says it is a credential is redacted too.
_SECRET_SUFFIXES = ("_secret", "_token", "_uuid", "_password", "_credentials", "_key")
_URL_KEYS = frozenset({"repo"})


def is_secret_setting(name: str) -> bool:
    return name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)


LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class ControllerConfig:
    """Settings of `gitsync serve`: defaults < config file < GITSYNC_* environment < flags."""

    repo: str = ""
    revision: str = "HEAD"
    path: str = "."
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = "gitsync"
    listen: str = "0.0.0.0:8080"
    poll_interval: float = 180.0
    poll_jitter: float = 0.1
    github_secret: str | None = None
    gitlab_secret: str | None = None
    gitea_secret: str | None = None
    bitbucket_server_secret: str | None = None
    bitbucket_uuid: str | None = None
    api_token: str | None = None
    ui_auth: str = "optional"  # "required": the web UI's pages need a login too
    insecure_allow_anonymous_actions: bool = False
    allow_local_repos: tuple[str, ...] = ()
    clusters: str | None = None
    concurrency: int = 4
    qps: float = 50.0
    burst: int = 100
    cache_dir: str | None = None
    wave_delay: float = 2.0
    # How sync writes are checked before the first one (docs/preflight.md): "schema"
    # (the cluster's schema where it finds what a dry run would) or "server".
    preflight: str = "schema"
    sync_timeout: float = 600.0
    webhook_max_bytes: int = 50 * 1024 * 1024
    leader_election: bool = True
    # Scaling out (docs/scaling.md): shard Leases, this replica's name in them, what apps
    # are hashed by, and how long a Lease lasts unrenewed (the leader's Lease too).
    shards: int = 1
    identity: str | None = None
    shard_by: str = "app"
    lease_duration: float = 15.0
    log_format: str = "json"
    log_level: str = "info"
    # Config management plugins: ConfigManagementPlugin files, and a directory of them.
    plugins: tuple[str, ...] = ()
    plugins_dir: str | None = None
    plugin_timeout: float = 90.0
    # URL prefixes the plugin and pullRequest generators may call (comma-separated);
    # empty: those generators are refused.
    generator_urls: str | None = None
    new_git_file_globbing: bool = False
    # health: Lua scripts from a directory, and an Argo CD style ConfigMap to watch
    health_lua: str | None = None
    argocd_cm: str | None = None
    watch_namespaces: str | None = None  # comma-separated: namespace-scoped mode
    # Bounds on input from Git (gitsync/render/limits.py, docs/limits.md).
    max_manifest_bytes: int = DEFAULT_LIMITS.max_manifest_bytes
    max_documents: int = DEFAULT_LIMITS.max_documents
    max_yaml_aliases: int = DEFAULT_LIMITS.max_yaml_aliases
    max_nesting_depth: int = DEFAULT_LIMITS.max_nesting_depth
    max_generated_apps: int = DEFAULT_LIMITS.max_generated_apps
    render_memory_limit: int = DEFAULT_LIMITS.render_memory_limit
    render_timeout: float = DEFAULT_LIMITS.render_timeout

    def validate(self) -> ControllerConfig:
        if not self.repo:
            raise ConfigError("no repository configured: set --repo or GITSYNC_REPO")
        _host, sep, port = self.listen.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ConfigError(f"invalid listen address {self.listen!r} (want HOST:PORT)")
        if self.concurrency < 1:
            raise ConfigError("concurrency must be at least 1")
        if self.poll_interval <= 0:
            raise ConfigError("poll interval must be positive")
        if self.plugin_timeout <= 0:
            raise ConfigError("plugin timeout must be positive")
        if self.preflight not in ("schema", "server"):
            raise ConfigError(f"invalid --preflight {self.preflight!r} (schema or server)")
        if self.ui_auth not in ("optional", "required"):
            raise ConfigError(f"invalid --ui-auth {self.ui_auth!r} (optional or required)")
        if self.ui_auth == "required" and not self.api_token:
            raise ConfigError("--ui-auth required needs --api-token: the login asks for it")
        cm = self.argocd_cm
        if cm is not None and (len(cm) > 253 or not _DNS_SUBDOMAIN.fullmatch(cm)):
            raise ConfigError(f"invalid ConfigMap name {self.argocd_cm!r} for argocd_cm")
        if self.log_format not in ("json", "console"):
            raise ConfigError(f"invalid log format {self.log_format!r} (json or console)")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"invalid log level {self.log_level!r} ({', '.join(LOG_LEVELS)})")
        for directory in self.allow_local_repos:
            if not os.path.isabs(os.path.expanduser(directory)):
                raise ConfigError(f"--allow-local-repos {directory!r}: give an absolute directory")
        for name in self.watched_namespaces or ():
            if not _NAMESPACE.match(name):
                raise ConfigError(f"invalid namespace {name!r} in watch namespaces")
        if not 1 <= self.shards <= MAX_SHARDS:
            raise ConfigError(f"shards must be between 1 and {MAX_SHARDS}")
        if self.shard_by not in SHARD_BY:
            raise ConfigError(f"invalid shard-by {self.shard_by!r} ({' or '.join(SHARD_BY)})")
        if self.lease_duration < 2:
            raise ConfigError("lease duration must be at least 2s")
        if self.identity is not None and not _IDENTITY.fullmatch(self.identity):
            raise ConfigError(
                f"invalid identity {self.identity!r}: lowercase letters, digits, '-' and '.', "
                "at most 63 characters, starting and ending with a letter or digit"
            )
        for name in _LIMIT_KEYS:
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name.replace('_', '-')} must be positive")
        return self

    @property
    def limits(self) -> Limits:
        return Limits(**{name: getattr(self, name) for name in _LIMIT_KEYS})

    @property
    def allowed_generator_urls(self) -> tuple[str, ...]:
        return tuple(u.strip() for u in (self.generator_urls or "").split(",") if u.strip())

    @property
    def watched_namespaces(self) -> tuple[str, ...] | None:
        """The namespaces of namespace-scoped mode; None: the whole cluster."""
        names = sorted({n.strip() for n in (self.watch_namespaces or "").split(",") if n.strip()})
        return tuple(names) or None

    @property
    def replica_identity(self) -> str:
        """This replica's name in the Leases: `identity`, else the pod's name (a pod's
        hostname), else the host name and process id (two processes on one host differ)."""
        if self.identity:
            return self.identity
        pod = os.environ.get("POD_NAME") or (
            socket.gethostname() if os.environ.get("KUBERNETES_SERVICE_HOST") else ""
        )
        if pod and _IDENTITY.fullmatch(pod.lower()):
            return pod.lower()
        host = re.sub(r"[^a-z0-9.-]+", "-", socket.gethostname().lower()).strip("-.")[:50]
        return f"{host or 'gitsync'}-{os.getpid()}"

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    def redacted(self) -> dict[str, Any]:
        """The configuration as a dict for logs and status: every secret that is set is
        ``<set>``, and a URL's credentials are hidden."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if is_secret_setting(f.name) and value:
                value = "<set>"
            elif f.name in _URL_KEYS and isinstance(value, str):
                value = redact_url(value)
            out[f.name] = value
        return out


def _coerce(name: str, raw: Any) -> Any:
    """Turn a YAML, environment or flag value into the field's type."""
    kinds = {f.name: f.type for f in fields(ControllerConfig)}
    kind = str(kinds[name])
    if raw is None:
        return None
    if name == "generator_urls" and isinstance(raw, list):
        raw = ",".join(str(item) for item in raw)
    if name == "allow_local_repos":
        return _directories(raw)
    try:
        if name == "plugins":
            return _file_list(raw)
        if name in _DURATION_KEYS:
            return parse_duration(raw, what=name.replace("_", " "))
        if name in _SIZE_KEYS:
            return parse_size(raw, name.replace("_", "-"))
        if kind in ("int",):
            return int(raw)
        if kind in ("float",):
            return float(raw)
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
    except GitsyncError as err:
        raise ConfigError(str(err)) from None
    except (TypeError, ValueError):
        raise ConfigError(f"invalid value for {name}: {raw!r}") from None
    return str(raw)


def _directories(raw: Any) -> tuple[str, ...]:
    """A list of directories: a YAML list, repeated flags, or one string separated like
    PATH (the environment variable)."""
    items = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else None
    if items is None:
        raise ConfigError(f"invalid value for allow_local_repos: {raw!r} (want directories)")
    found = [part for item in items for part in str(item).split(os.pathsep) if part.strip()]
    return tuple(found)


def _file_list(raw: Any) -> tuple[str, ...]:
    """Files from a YAML list, a flag repeated, or a comma-separated variable."""
    if isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(raw, (list, tuple)) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    raise ValueError(raw)


def load_config(
    file: str | Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ControllerConfig:
    """Defaults < file < GITSYNC_* environment < explicit overrides (flags). Validated."""
    known = {f.name for f in fields(ControllerConfig)}
    values: dict[str, Any] = {}
    if file is not None:
        path = Path(file)
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"cannot read config file {path}: {err}") from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise ConfigError(f"{path}{where}: invalid YAML") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        for key, raw in loaded.items():
            name = str(key).replace("-", "_")
            if name not in known:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[name] = _coerce(name, raw)
    env = os.environ if environ is None else environ
    for name in known:
        raw_env = env.get(f"GITSYNC_{name.upper()}")
        if raw_env is not None and raw_env != "":
            values[name] = _coerce(name, raw_env)
    for name, raw in (overrides or {}).items():
        if raw is not None and raw != ():
            values[name] = _coerce(name, raw)
    return replace(ControllerConfig(), **values).validate()
