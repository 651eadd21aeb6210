"""HTTP to one API server through the `kubernetes` client's ApiClient, as raw JSON.

The client's typed models cost ~230 us per Deployment against ~12 us for `json.loads`,
so responses are read raw and parsed with `json.loads`: objects stay plain dicts.
Requests pass a token bucket (QPS/burst) and then a semaphore that bounds how many are
in flight (the connection pool holds as many connections). Watch streams use their own
client and pool: they are long-lived and must not starve ordinary requests.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

from kubernetes.client import ApiClient

from gitsync.errors import KubeError

from .apierrors import error_for_status, unavailable
from .config import ClusterConfig
from .ratelimit import TokenBucket
from .stats import RequestStats

Query = dict[str, str | int | bool | None]

_WATCH_POOL_SIZE = 64
_user_agent: str | None = None  # None: the kubernetes client's own


def set_user_agent(agent: str) -> None:
    """The User-Agent of every client made from now on, e.g. ``gitsync-serve/0.1.0
    (replica-2)``: API server audit logs then tell a replica's requests apart."""
    global _user_agent
    _user_agent = agent


def encode_query(query: Query | None) -> str:
    if not query:
        return ""
    pairs = [
        (k, ("true" if v else "false") if isinstance(v, bool) else str(v))
        for k, v in query.items()
        if v is not None
    ]
    return "?" + urlencode(pairs) if pairs else ""


class Transport:
    """Thread-safe request layer. Raises gitsync errors only (never client exceptions)."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        qps: float,
        burst: int,
        max_in_flight: int,
        timeout: float,
        stats: RequestStats,
    ) -> None:
        self.server = config.server.rstrip("/")
        self.timeout = timeout
        self.stats = stats
        self.limiter = TokenBucket(qps, burst)
        self.max_in_flight = max(int(max_in_flight), 1)
        self._slots = threading.BoundedSemaphore(self.max_in_flight)
        configuration = config.configuration
        # No retries inside urllib3 (it would also log a warning per attempt): a failed
        # request is an UnavailableError at once, and the caller decides what to retry.
        configuration.retries = False
        watch_configuration = copy.deepcopy(configuration)
        configuration.connection_pool_maxsize = self.max_in_flight
        watch_configuration.connection_pool_maxsize = _WATCH_POOL_SIZE
        self._client = ApiClient(configuration)
        self._watch_client = ApiClient(watch_configuration)
        if _user_agent:
            self._client.user_agent = self._watch_client.user_agent = _user_agent

    # -- ordinary requests ----------------------------------------------------------------
    def request(
        self,
        verb: str,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        content_type: str | None = None,
        resource: str | None = None,
        timeout: float | None = None,
    ) -> tuple[int, bytes]:
        """Send one request and return (status, body). Raises `UnavailableError` only when
        no HTTP answer came (refused, reset, timed out)."""
        self.limiter.acquire()
        with self._slots:
            status = 0
            started = time.perf_counter()
            try:
                response = self._send(
                    self._client, method, path, query, body, content_type, timeout
                )
                try:
                    status = int(response.status)
                    data = bytes(response.read() or b"")
                finally:
                    response.response.release_conn()
            except KubeError:
                raise
            except Exception as err:  # urllib3/ssl/socket failures all end up here
                raise unavailable(self.server, err, resource) from None
            finally:
                self.stats.record(verb, status, time.perf_counter() - started)
        return status, data

    def call(
        self,
        verb: str,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        content_type: str | None = None,
        resource: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """`request`, raising the gitsync error of any non-2xx answer; the parsed JSON body."""
        status, data = self.request(
            verb,
            method,
            path,
            query=query,
            body=body,
            content_type=content_type,
            resource=resource,
            timeout=timeout,
        )
        if not 200 <= status < 300:
            raise error_for_status(status, data, resource)
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise KubeError(f"{self.server}{path}: answer is not JSON", resource) from None

    # -- watch streams --------------------------------------------------------------------
    def open_stream(
        self, path: str, query: Query, *, read_timeout: float, resource: str | None = None
    ) -> Any:
        """Start a streaming GET (a watch); the urllib3 response, status already checked.

        The caller reads it, and closes it (or calls ``shutdown()`` from another thread)."""
        self.limiter.acquire()
        status = 0
        try:
            response = self._send(
                self._watch_client, "GET", path, query, None, None, (10.0, read_timeout)
            )
            status = int(response.status)
        except KubeError:
            raise
        except Exception as err:
            raise unavailable(self.server, err, resource) from None
        finally:
            self.stats.record("WATCH", status)
        if status != 200:
            try:
                data = bytes(response.read() or b"")
            except Exception:
                data = b""
            finally:
                response.response.release_conn()
            raise error_for_status(status, data, resource)
        return response.response

    def close(self) -> None:
        for client in (self._client, self._watch_client):
            with contextlib.suppress(Exception):  # closing twice, or a pool torn down
                client.rest_client.close()

    # -- internals ------------------------------------------------------------------------
    def _send(
        self,
        client: Any,
        method: str,
        path: str,
        query: Query | None,
        body: Any,
        content_type: str | None,
        timeout: float | tuple[float, float] | None,
    ) -> Any:
        headers: dict[str, str] = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        # The body is passed straight to the REST layer (one json.dumps there) rather
        # than through param_serialize, whose sanitising walk would copy every object.
        method, url, headers, _, _ = client.param_serialize(
            method,
            path + encode_query(query),
            header_params=headers,
            auth_settings=["BearerToken"],
        )
        return client.call_api(method, url, headers, body, _request_timeout=timeout or self.timeout)
