"""`SimCluster`: the embedded API server, started in-process as a context manager.

with SimCluster(controllers=True, ready_delay=0.0) as sim:
    client = kubernetes.config.new_client_from_config(str(sim.kubeconfig))
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from .api import Api
from .apierror import ApiError
from .controllers import Controllers
from .crds import argo_rollouts_crds
from .faults import Faults
from .handler import Handler
from .httpserver import Backend, SimHTTPServer
from .kubeconfig import write_kubeconfig
from .persistence import StateSaver, load_state
from .rbac import Authorizer
from .records import RequestLog, RequestRecord
from .registry import Registry, ResourceType
from .store import Obj, Store
from .watchhub import WatchHub

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class SimCluster:
    """An embedded Kubernetes API server on a local port, with simulated controllers."""

    def __init__(
        self,
        *,
        controllers: bool | Iterable[str] = True,
        ready_delay: float = 0.0,
        port: int = 0,
        host: str = "127.0.0.1",
        state_file: Path | str | None = None,
        watch_history: int = 100_000,
    ) -> None:
        self.host = host
        self.registry = Registry()
        self.hub = WatchHub(watch_history)
        self.store = Store(self.registry, self.hub)
        self.api = Api(self.store, self.registry)
        self.faults = Faults()
        self._log = RequestLog()
        self.controllers = Controllers(self.api, ready_delay, controllers)
        self.state_file = Path(state_file) if state_file else None
        self._saver: StateSaver | None = None
        self.authorizer = Authorizer(self.store)
        self._backend = Backend(
            self.api, self.registry, self.hub, self.faults, self._log, self.authorizer
        )
        self._requested_port = port
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: Path | None = None
        self._kubeconfig: Path | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> SimCluster:
        """Bind (OSError when the port is taken), load state, start controllers and serving."""
        self._server = SimHTTPServer((self.host, self._requested_port), Handler, self._backend)
        loaded = self.state_file is not None and load_state(self.api, self.state_file)
        if not loaded:
            for name in INITIAL_NAMESPACES:
                if self.store.get("", "Namespace", "", name) is None:
                    self.create(
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                    )
        if self.state_file is not None:
            self._saver = StateSaver(self.api, self.state_file)
            self.store.listeners.append(self._saver.on_event)
            self._saver.start()
        self.store.listeners.append(self.controllers.on_event)
        self.controllers.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="sim-http",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._backend.stopping.set()
        self.hub.close()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self.controllers.stop()
        if self._saver is not None:
            self._saver.stop()
        if self._thread is not None:
            self._thread.join(2.0)
        self._server = None
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
            self._kubeconfig = None

    def __enter__(self) -> SimCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where it listens ---------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the SimCluster is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def write_kubeconfig(
        self, path: Path | str, context: str = "sim", token: str | None = None
    ) -> Path:
        """A kubeconfig for the admin token, or for `token` (see `service_account_token`)."""
        if token is None:
            return write_kubeconfig(path, self.url, context)
        return write_kubeconfig(path, self.url, context, token)

    # -- RBAC ---------------------------------------------------------------------------
    def enable_rbac(self) -> None:
        """From now on every request needs a known token and RBAC rules that allow it."""
        self.authorizer.enabled = True

    def service_account_token(self, namespace: str, name: str) -> str:
        """A bearer token for ServiceAccount `namespace`/`name` (bind Roles to it)."""
        return self.authorizer.service_account_token(namespace, name)

    @property
    def kubeconfig(self) -> Path:
        """A kubeconfig in a temp dir (removed on stop), written on first use."""
        if self._kubeconfig is None:
            self._tempdir = Path(tempfile.mkdtemp(prefix="gitsync-sim-"))
            self._kubeconfig = self.write_kubeconfig(self._tempdir / "kubeconfig")
        return self._kubeconfig

    # -- the request log ----------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.snapshot()

    @property
    def request_count(self) -> int:
        return len(self._log)

    def writes(self) -> list[RequestRecord]:
        """Non-dry-run create/update/patch/delete(collection) requests, in order."""
        return [r for r in self._log.snapshot() if r.is_write]

    def reset_requests(self) -> None:
        self._log.clear()

    # -- direct store access for tests ----------------------------------------------------
    def _type(self, api_version: str, kind: str) -> ResourceType:
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        rtype = self.registry.by_kind(group, kind)
        if rtype is None:
            raise KeyError(f"kind {kind} in {api_version} is not served")
        return rtype

    def get_object(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> Obj | None:
        """A private copy of the stored object, or None."""
        rtype = self._type(api_version, kind)
        stored = self.store.get(
            rtype.group, rtype.kind, (namespace or "") if rtype.namespaced else "", name
        )
        return json.loads(stored.raw) if stored is not None else None

    def list_objects(self, api_version: str, kind: str, namespace: str | None = None) -> list[Obj]:
        rtype = self._type(api_version, kind)
        return [json.loads(s.raw) for s in self.store.items(rtype.group, rtype.kind, namespace)]

    def create(self, obj: Obj) -> Obj:
        """Create an object as a client would (identity checks, defaults, events), without
        the schema check of HTTP writes: tests arrange state with it."""
        rtype = self._type(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        version = str(obj["apiVersion"]).rsplit("/", 1)[-1]
        body = json.loads(json.dumps(obj))
        return self.api.create(
            rtype, version, body.get("metadata", {}).get("namespace"), body, manager="sim"
        )

    def apply(self, obj: Obj, field_manager: str = "sim", force: bool = True) -> Obj:
        """Server-side apply an object (create or update); no schema check, as `create`."""
        rtype = self._type(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        version = str(obj["apiVersion"]).rsplit("/", 1)[-1]
        body = json.loads(json.dumps(obj))
        meta = body.get("metadata", {})
        return self.api.patch(
            rtype,
            version,
            meta.get("namespace") or ("default" if rtype.namespaced else None),
            str(meta["name"]),
            "application/apply-patch+yaml",
            body,
            manager=field_manager,
            force=force,
        )

    def delete_object(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        propagation: str = "Background",
    ) -> bool:
        """Delete as a client would; False when it was not there."""
        rtype = self._type(api_version, kind)
        try:
            self.api.delete(rtype, namespace, name, propagation=propagation)
        except ApiError as err:
            if err.code == 404:
                return False
            raise
        return True

    def set_status(
        self, api_version: str, kind: str, namespace: str | None, name: str, status: Obj
    ) -> Obj | None:
        """Replace an object's status (as a controller would); None when it does not exist."""
        return self.mutate(api_version, kind, namespace, name, lambda o: {**o, "status": status})

    def mutate(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        change: Callable[[Obj], Obj | None],
    ) -> Obj | None:
        """Change an object as a controller would, with a MODIFIED event: `change` gets a
        private copy and returns the new object (None: leave it alone)."""
        return self.api.mutate(self._type(api_version, kind), namespace, name, change)

    def install_argo_rollouts_crds(self) -> None:
        """Create the CRDs of Argo Rollouts (Rollout, AnalysisRun, AnalysisTemplate,
        ClusterAnalysisTemplate, Experiment) so their kinds are served."""
        for definition in argo_rollouts_crds():
            name = definition["metadata"]["name"]
            if self.get_object("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, name):
                continue
            self.create(definition)
