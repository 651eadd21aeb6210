"""The action API: sync (prune, dry run), refresh, terminate, Rollout promote/abort, diff.

    POST /api/v1/applications/{name}/sync        {"prune": bool, "dryRun": bool,
                                                  "revision": str,
                                                  "resources": [{group, kind, namespace,
                                                                 name}]}  -> 202
    POST /api/v1/applications/{name}/refresh                                       -> 202
    POST /api/v1/applications/{name}/terminate                                     -> 202
    POST /api/v1/applications/{name}/rollback    {"id": <history index, 0 = oldest>} -> 202
    POST /api/v1/applications/{name}/resources/rollout/{namespace}/{rollout}/promote|abort
    GET  /api/v1/applications/{name}/diff                                          -> 200

The app's gate for ``/api/v1`` runs first: the bearer token, 403 when no token is
configured (unless anonymous actions were allowed), JSON bodies only.
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any

import structlog

from gitsync.diff.mask import mask_secret
from gitsync.server.router import BadBody, BodyTooLarge, Request, Response, Router
from gitsync.server.view import ActionRefused, ControllerView
from gitsync.sync.selection import SelectionError, selectors_from_api

log = structlog.get_logger()

API_BODY_MAX_BYTES = 64 * 1024
_APP = "/api/v1/applications/{name}"


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.strip().encode(), token.encode())


def register_api(router: Router, controller: ControllerView) -> None:
    api = ActionApi(controller)
    router.add("POST", f"{_APP}/sync", api.sync)
    router.add("POST", f"{_APP}/refresh", api.refresh)
    router.add("POST", f"{_APP}/terminate", api.terminate)
    router.add("POST", f"{_APP}/rollback", api.rollback)
    router.add(
        "POST", f"{_APP}/resources/rollout/{{namespace}}/{{rollout}}/{{action}}", api.rollout
    )
    router.add("GET", f"{_APP}/diff", api.diff)
    router.add("GET", f"{_APP}/manifests", api.manifests)
    router.add("POST", f"{_APP}/suspend", api.suspend)
    router.add("POST", f"{_APP}/resume", api.resume)


# A ref or SHA as Git accepts it from a person; never an option, never a path escape.
_REVISION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")


class ActionApi:
    """The API's state-changing endpoints: sync, refresh, rollback, terminate, Rollouts."""

    def __init__(self, controller: ControllerView) -> None:
        self.controller = controller

    def sync(self, request: Request) -> Response:
        name = request.params["name"]
        body = _json_body(request)
        if isinstance(body, Response):
            return body
        prune, dry_run = body.get("prune", False), body.get("dryRun", False)
        if not isinstance(prune, bool) or not isinstance(dry_run, bool):
            return Response.json(400, {"error": "prune and dryRun must be true or false"})
        revision = body.get("revision") or ""
        if not isinstance(revision, str) or (revision and not _REVISION.fullmatch(revision)):
            return Response.json(400, {"error": "revision must be a branch, tag or commit SHA"})
        try:
            resources = selectors_from_api(body.get("resources") or [])
        except SelectionError as err:
            return Response.json(400, {"error": str(err)})
        try:
            found = self.controller.request_sync(
                name, prune=prune, dry_run=dry_run, revision=revision, resources=resources
            )
        except ActionRefused as err:
            return Response.json(err.status, {"error": str(err)})
        if not found:
            return _not_found(name)
        log.info(
            "sync requested",
            app=name,
            prune=prune,
            dry_run=dry_run,
            revision=revision,
            resources=[str(r) for r in resources],
            remote=request.remote_addr,
        )
        answer: dict[str, Any] = {
            "application": name,
            "sync": "queued",
            "prune": prune,
            "dryRun": dry_run,
        }
        if revision:
            answer["revision"] = revision
        if resources:
            answer["resources"] = [r.to_api() for r in resources]
        return Response.json(202, answer)

    def refresh(self, request: Request) -> Response:
        name = request.params["name"]
        body = _json_body(request)
        if isinstance(body, Response):
            return body
        hard = body.get("hard", False)
        if not isinstance(hard, bool):
            return Response.json(400, {"error": "hard must be true or false"})
        if not self.controller.refresh(name, hard=hard):
            return _not_found(name)
        return Response.json(202, {"application": name, "refresh": "queued", "hard": hard})

    def suspend(self, request: Request) -> Response:
        return self._auto_sync(request, suspended=True)

    def resume(self, request: Request) -> Response:
        return self._auto_sync(request, suspended=False)

    def _auto_sync(self, request: Request, *, suspended: bool) -> Response:
        name = request.params["name"]
        if not self.controller.set_auto_sync_suspended(name, suspended):
            return _not_found(name)
        log.info("automated sync", app=name, suspended=suspended, remote=request.remote_addr)
        return Response.json(202, {"application": name, "autoSyncSuspended": suspended})

    def manifests(self, request: Request) -> Response:
        name = request.params["name"]
        try:
            found = self.controller.manifests(name)
        except ActionRefused as err:  # e.g. known only to the replica that owns the app
            return Response.json(err.status, {"error": str(err)})
        if found is None:
            return _not_found(name)
        return Response.json(200, {"items": [mask_secret(dict(obj)) for obj in found]})

    def terminate(self, request: Request) -> Response:
        name = request.params["name"]
        if self.controller.application(name) is None:
            return _not_found(name)
        if not self.controller.terminate(name):
            return Response.json(409, {"error": f"application {name!r} has no running operation"})
        log.info("terminate requested", app=name, remote=request.remote_addr)
        return Response.json(202, {"application": name, "terminate": "requested"})

    def rollback(self, request: Request) -> Response:
        name = request.params["name"]
        body = _json_body(request)
        if isinstance(body, Response):
            return body
        history_id = body.get("id")
        if not isinstance(history_id, int) or isinstance(history_id, bool):
            return Response.json(400, {"error": "id must be the index of a history entry"})
        try:
            self.controller.rollback(name, history_id)
        except ActionRefused as err:
            return Response.json(err.status, {"error": str(err)})
        log.info("rollback requested", app=name, id=history_id, remote=request.remote_addr)
        return Response.json(202, {"application": name, "rollback": history_id})

    def rollout(self, request: Request) -> Response:
        p = request.params
        if p["action"] not in ("promote", "abort"):
            return Response.json(404, {"error": "unknown rollout action (promote or abort)"})
        try:
            self.controller.rollout_action(p["name"], p["namespace"], p["rollout"], p["action"])
        except ActionRefused as err:
            return Response.json(err.status, {"error": str(err)})
        log.info("rollout action", action=p["action"], app=p["name"], rollout=p["rollout"])
        return Response.json(
            200, {"application": p["name"], "rollout": p["rollout"], "done": p["action"]}
        )

    def diff(self, request: Request) -> Response:
        name = request.params["name"]
        if self.controller.application(name) is None:
            return _not_found(name)
        try:
            items = list(self.controller.diff(name) or [])
        except ActionRefused as err:  # e.g. known only to the replica that owns the app
            return Response.json(err.status, {"error": str(err)})
        return Response.json(200, {"items": items})


def _not_found(name: str) -> Response:
    return Response.json(404, {"error": f"application {name!r} not found"})


def _json_body(request: Request) -> dict[str, Any] | Response:
    try:
        raw = request.read_body(API_BODY_MAX_BYTES)
    except BodyTooLarge as err:
        return Response.json(413, {"error": str(err)})
    except BadBody as err:
        return Response.json(400, {"error": str(err)})
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return Response.json(400, {"error": "body is not JSON"})
    if not isinstance(body, dict):
        return Response.json(400, {"error": "body must be a JSON object"})
    return body
