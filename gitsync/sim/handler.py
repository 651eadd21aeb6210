"""One HTTP request: route it, apply faults, call the API, answer in one write, record it."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import struct
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from . import discovery, tables
from .apierror import ApiError, status_body
from .faults import FaultOutcome
from .fieldvalidation import FieldValidation, warning_headers
from .httpserver import Backend, SimHTTPServer
from .rbac import Request
from .records import RequestRecord
from .routes import Route, UnknownResource, resolve
from .store import Stored, dumps
from .watch import serve_watch

Obj = dict[str, Any]
# objects, list metadata, whether to include the column definitions -> a Table
TablePrinter = Callable[[list[Obj], dict[str, Any], bool], Obj]

_JSON = "application/json"
_PHRASES = {s.value: s.phrase for s in HTTPStatus}


def _yaml_loader() -> Any:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Handler(BaseHTTPRequestHandler):
    """One HTTP connection to the emulator: routes each request to the API and answers it."""

    protocol_version = "HTTP/1.1"
    server: SimHTTPServer
    # what the request log needs, filled in as the request is understood
    _logged: bool = False
    _started: float = 0.0
    _method: str = ""
    _url_path: str = ""
    _query: dict[str, str]
    _route: Route | None = None
    _verb: str = ""
    logged_name: str | None = None
    _user: str = ""
    _warnings: list[str]

    # -- connection ----------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests and benchmarks run thousands of requests

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- answering ------------------------------------------------------------------------
    def send_bytes(self, code: int, body: bytes, content_type: str = _JSON) -> None:
        head = (
            f"HTTP/1.1 {code} {_PHRASES.get(code, 'Unknown')}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Cache-Control: no-cache, private\r\n"
            f"{warning_headers(getattr(self, '_warnings', []))}"
            f"\r\n"
        ).encode()
        self.answered(code)
        self.wfile.write(head + body)

    def answered(self, code: int) -> None:
        """Log the request before its answer leaves: whoever got a response finds it logged."""
        self.status_sent = code
        if not self._logged:
            self._logged = True
            self._record()

    def send_json(self, code: int, obj: Any) -> None:
        self.send_bytes(code, dumps(obj))

    def send_error_status(self, error: ApiError) -> None:
        self.send_json(error.code, error.status())

    # -- the request ----------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        backend: Backend = self.server.backend
        self._started = time.monotonic()
        self._logged = False
        self.status_sent = 0
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self._method, self._url_path, self._query = method, url.path, query
        self._route = None
        self._verb = ""
        self._user = ""
        self._warnings = []
        self.logged_name = None
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        # Like the API server: the path is decoded first, then split ("%2F" splits too).
        parts = [p for p in unquote(url.path).split("/") if p]
        try:
            user = backend.authorizer.authenticate(self.headers.get("Authorization"))
            self._user = user.name if user is not None else ""
            try:
                route = resolve(backend.registry, parts)
            except UnknownResource:
                raise ApiError(
                    404, "the server could not find the requested resource", "NotFound"
                ) from None
            self._route = route
            verb = self._verb = _verb(method, route, query)
            name = self.logged_name = route.name if route else None
            kind = route.rtype.kind if route and route.rtype else None
            if route is not None and route.rtype is not None:
                asked = Request(
                    verb, route.group, route.plural, route.subresource, route.namespace, name
                )
                backend.authorizer.authorize(user, asked)
            outcome = backend.faults.check(method, url.path, verb, kind, name)
            if outcome is not None and self._fault(outcome, verb):
                return
            if route is None:
                self._non_resource(method, parts, query)
            elif route.rtype is None:
                self._resource_list(route)
            else:
                self._resource(method, verb, route, query, raw_body)
        except ApiError as error:
            self.send_error_status(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # a bug: answer 500 rather than dropping the connection
            self.send_error_status(ApiError(500, f"internal error: {error!r}", "InternalError"))
        finally:
            self.answered(self.status_sent)

    def _fault(self, outcome: FaultOutcome, verb: str) -> bool:
        if outcome.latency:
            time.sleep(outcome.latency)
        if outcome.drop_watch:
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            )
            self.answered(200)
            with contextlib.suppress(OSError):
                self.wfile.write(head.encode())
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return True
        if outcome.reset:
            # No answer at all: the client sees the connection reset.
            self.close_connection = True
            with contextlib.suppress(OSError):
                # linger 0: the close that follows sends RST rather than FIN
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.shutdown(socket.SHUT_RD)
            return True
        if outcome.status is not None:
            error = ApiError(outcome.status, outcome.message)
            self.send_json(outcome.status, error.status())
            return True
        return False

    def _record(self) -> None:
        route, name, query = self._route, self.logged_name, self._query
        rtype = route.rtype if route else None
        key = route.key(name) if route else None
        self.server.backend.log.add(
            RequestRecord(
                method=self._method,
                path=self._url_path,
                query=query,
                verb=self._verb,
                key=key,
                kind=rtype.kind if rtype else None,
                namespace=route.namespace if route else None,
                name=name,
                dry_run=query.get("dryRun") == "All",
                status=self.status_sent,
                time=self._started,
                content_type=str(self.headers.get("Content-Type") or ""),
                subresource=route.subresource if route else "",
                user=self._user,
            )
        )

    # -- discovery and other non-resource paths -------------------------------------------
    def _non_resource(self, method: str, parts: list[str], query: dict[str, str]) -> None:
        registry = self.server.backend.registry
        if method != "GET":
            raise ApiError(405, "the server does not allow this method", "MethodNotAllowed")
        path = "/".join(parts)
        if path == "version":
            self.send_json(200, discovery.SERVER_VERSION)
        elif path == "api":
            self.send_json(200, discovery.api_versions())
        elif path == "apis":
            self.send_json(200, discovery.api_group_list(registry))
        elif len(parts) == 2 and parts[0] == "apis":
            group = discovery.api_group(registry, parts[1])
            if group is None:
                raise ApiError(404, "the server could not find the requested resource")
            self.send_json(200, group)
        elif path in ("healthz", "readyz", "livez"):
            self.send_bytes(200, b"ok", "text/plain")
        elif path == "openapi/v3":
            self.send_json(200, self.server.backend.api.schemas.root())
        elif parts[:2] == ["openapi", "v3"] and len(parts) >= 4:
            rest = parts[2:]
            openapi = self.server.backend.api.schemas
            if rest[0] == "api" and len(rest) == 2:
                document = openapi.document("", rest[1])
            elif rest[0] == "apis" and len(rest) == 3:
                document = openapi.document(rest[1], rest[2])
            else:
                document = None
            if document is None:
                raise ApiError(404, "the server could not find the requested resource")
            self.send_bytes(200, document)
        else:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")

    def _resource_list(self, route: Route) -> None:
        document = discovery.resource_list(self.server.backend.registry, route.group, route.version)
        if document is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        self.send_json(200, document)

    # -- resources ------------------------------------------------------------------------
    def _resource(
        self, method: str, verb: str, route: Route, query: dict[str, str], raw_body: bytes
    ) -> None:
        """Serve one resource request."""
        api = self.server.backend.api
        rtype = route.rtype
        assert rtype is not None
        version = route.version
        api_version = rtype.api_version(version)
        dry_run = query.get("dryRun") == "All"
        manager = query.get("fieldManager") or _agent_manager(self.headers.get("User-Agent"))
        validation = FieldValidation(query.get("fieldValidation") or "", self._warnings)
        if verb == "get":
            stored = api.get(rtype, route.namespace, str(route.name))
            if self._table_version():
                self._send_table(route, [stored], api_version, {"resourceVersion": str(stored.rv)})
            else:
                self.send_bytes(200, _raw_as(stored, api_version))
        elif verb == "list":
            self._list(route, query, api_version)
        elif verb == "watch":
            serve_watch(self, route, query, api_version)
        elif verb == "create":
            obj = api.create(
                rtype,
                version,
                route.namespace,
                _body(raw_body, self.headers),
                dry_run=dry_run,
                manager=manager,
                validation=validation,
            )
            self.logged_name = str(obj["metadata"]["name"])
            self.send_json(201, obj)
        elif verb == "update":
            obj = api.update(
                rtype,
                version,
                route.namespace,
                str(route.name),
                _body(raw_body, self.headers),
                dry_run=dry_run,
                manager=manager,
                subresource=route.subresource,
                validation=validation,
            )
            self.send_json(200, obj)
        elif verb == "patch":
            content_type = str(self.headers.get("Content-Type") or "")
            existed = (
                api.store.get(rtype.group, rtype.kind, route.namespace or "", str(route.name))
                is not None
            )
            obj = api.patch(
                rtype,
                version,
                route.namespace,
                str(route.name),
                content_type,
                _body(raw_body, self.headers),
                dry_run=dry_run,
                manager=query.get("fieldManager") or ("" if "apply" in content_type else manager),
                force=query.get("force") == "true",
                subresource=route.subresource,
                validation=validation,
            )
            self.send_json(200 if existed else 201, obj)
        elif verb == "delete":
            options = _delete_options(raw_body, query)
            obj, gone = api.delete(
                rtype,
                route.namespace,
                str(route.name),
                propagation=options.get("propagationPolicy"),
                dry_run=dry_run or options.get("dryRun") == ["All"],
                preconditions=options.get("preconditions"),
            )
            if gone:
                meta = obj.get("metadata", {})
                body = status_body(
                    200,
                    "",
                    "",
                    name=meta.get("name"),
                    group=rtype.group,
                    kind=rtype.plural,
                    success=True,
                )
                body["details"]["uid"] = meta.get("uid")
                self.send_json(200, body)
            else:
                self.send_json(200, obj)
        elif verb == "deletecollection":
            options = _delete_options(raw_body, query)
            deleted = api.delete_collection(
                rtype,
                route.namespace,
                query.get("labelSelector"),
                query.get("fieldSelector"),
                propagation=options.get("propagationPolicy"),
                dry_run=dry_run,
            )
            self.send_json(
                200,
                {
                    "kind": f"{rtype.kind}List",
                    "apiVersion": api_version,
                    "metadata": {"resourceVersion": str(api.store.rv)},
                    "items": deleted,
                },
            )
        else:
            raise ApiError(405, "the server does not allow this method", "MethodNotAllowed")

    def _list(self, route: Route, query: dict[str, str], api_version: str) -> None:
        api = self.server.backend.api
        assert route.rtype is not None
        items, rv = api.list_items(
            route.rtype, route.namespace, query.get("labelSelector"), query.get("fieldSelector")
        )
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        limit = int(query.get("limit") or 0)
        start = _decode_continue(query.get("continue"))
        if start or limit:
            end = start + limit if limit else len(items)
            if end < len(items):
                meta["continue"] = base64.b64encode(json.dumps({"start": end}).encode()).decode()
                meta["remainingItemCount"] = len(items) - end
            items = items[start:end]
        if self._table_version():
            self._send_table(route, items, api_version, meta)
            return
        head = (
            b'{"kind":"'
            + route.rtype.kind.encode()
            + b'List","apiVersion":"'
            + api_version.encode()
            + b'","metadata":'
            + dumps(meta)
            + b',"items":['
        )
        body = head + b",".join(_raw_as(s, api_version) for s in items) + b"]}"
        self.send_bytes(200, body)

    # -- server-side printing (kubectl get) -------------------------------------------------
    def _table_version(self) -> str | None:
        return tables.table_version(self.headers.get("Accept"))

    def table_wanted(self) -> bool:
        return self._table_version() is not None

    def _send_table(
        self, route: Route, items: list[Stored], api_version: str, meta: dict[str, Any]
    ) -> None:
        version = self._table_version() or "v1"
        objects = [
            s.obj
            if s.obj.get("apiVersion") == api_version
            else {**s.obj, "apiVersion": api_version}
            for s in items
        ]
        table = self.table_printer(route)(objects, meta, True)
        self.send_bytes(200, dumps(table), tables.content_type(version))

    def table_printer(self, route: Route) -> TablePrinter:
        """Objects -> the Table this request asked for (with or without the column
        definitions: a watch sends them with its first event only)."""
        rtype = route.rtype
        assert rtype is not None
        version = self._table_version() or "v1"
        include = self._query.get("includeObject") or "Metadata"
        if include not in tables.INCLUDE_OBJECT:
            raise ApiError(400, f"invalid includeObject: {include}", "BadRequest")
        columns = None
        if not rtype.builtin:
            crd = self.server.backend.api.store.get(
                "apiextensions.k8s.io", "CustomResourceDefinition", "", rtype.resource_name()
            )
            columns = tables.crd_columns(crd.obj if crd else {}, route.version)

        def table(objects: list[Obj], meta: dict[str, Any], with_columns: bool) -> Obj:
            built = tables.build_table(
                objects,
                rtype.group,
                rtype.kind,
                datetime.now(UTC),
                crd_columns=columns,
                include_object=include,
                version=version,
                resource_version=str(meta.get("resourceVersion") or ""),
                continue_token=meta.get("continue"),
                remaining_item_count=meta.get("remainingItemCount"),
            )
            if not with_columns:
                built["columnDefinitions"] = []
            return built

        return table


def _verb(method: str, route: Route | None, query: dict[str, str]) -> str:
    if route is None or route.rtype is None:
        return "get" if method == "GET" else ""
    named = route.name is not None
    if method == "GET":
        if route.legacy_watch or query.get("watch") in ("true", "1"):
            return "watch"
        return "get" if named else "list"
    return {
        ("POST", False): "create",
        ("PUT", True): "update",
        ("PATCH", True): "patch",
        ("DELETE", True): "delete",
        ("DELETE", False): "deletecollection",
    }.get((method, named), "")


def _raw_as(stored: Stored, api_version: str) -> bytes:
    if stored.obj.get("apiVersion") == api_version:
        return stored.raw
    return dumps({**stored.obj, "apiVersion": api_version})


def _body(raw: bytes, headers: Any) -> Any:
    if not raw:
        raise ApiError(400, "the request has no body", "BadRequest")
    if "protobuf" in str(headers.get("Content-Type") or ""):
        raise ApiError(
            415,
            "this server accepts JSON and YAML bodies only, not protobuf",
            "UnsupportedMediaType",
        )
    try:
        return json.loads(raw)
    except ValueError:
        pass
    content_type = str(headers.get("Content-Type") or "")
    if "yaml" in content_type:
        try:
            return yaml.load(raw, Loader=_yaml_loader())
        except yaml.YAMLError as err:
            raise ApiError(400, f"the body is not valid YAML: {err}", "BadRequest") from None
    raise ApiError(400, "the body is not valid JSON", "BadRequest")


def _delete_options(raw: bytes, query: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if raw:
        with contextlib.suppress(ValueError):
            parsed = json.loads(raw)
            if isinstance(parsed, dict):
                options = parsed
    if query.get("propagationPolicy"):
        options["propagationPolicy"] = query["propagationPolicy"]
    if options.get("orphanDependents") is True and "propagationPolicy" not in options:
        options["propagationPolicy"] = "Orphan"
    return options


def _decode_continue(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["start"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "invalid continue token", "BadRequest") from None


def _agent_manager(agent: str | None) -> str:
    """The default field manager of a non-apply write: the client's name, as the real
    server derives it from the User-Agent."""
    if not agent:
        return "unknown"
    return agent.split("/", 1)[0][:128] or "unknown"
