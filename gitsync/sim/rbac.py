"""Authentication by bearer token and authorization by RBAC rules, as an API server does.

Off until `SimCluster.enable_rbac()`: then every request needs a known bearer token. The
admin token (the one in the emulator's kubeconfig) may do anything; a ServiceAccount
token may do what the Roles and ClusterRoles bound to that ServiceAccount allow
(rbac.authorization.k8s.io/v1 rules: verbs, apiGroups, resources with subresources,
resourceNames). A RoleBinding grants its rules in its own namespace only, a
ClusterRoleBinding everywhere. Discovery and health paths are open to every
authenticated user, as the default ``system:discovery`` role makes them.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from .apierror import ApiError
from .store import Store

ADMIN_TOKEN = "gitsync-sim"
ADMIN_USER = "kubernetes-admin"
_RBAC = "rbac.authorization.k8s.io"
_NAMED_VERBS = ("get", "update", "patch", "delete")


@dataclass(frozen=True)
class User:
    """Who a request comes from, as the emulator's authenticator found it."""

    name: str
    groups: tuple[str, ...]
    namespace: str = ""  # a ServiceAccount's namespace
    account: str = ""  # a ServiceAccount's name

    @property
    def admin(self) -> bool:
        return self.name == ADMIN_USER


@dataclass(frozen=True)
class Request:
    """What a resource request asks to do, as RBAC sees it."""

    verb: str
    group: str
    resource: str
    subresource: str
    namespace: str | None
    name: str | None


class Authorizer:
    """Tokens to users, and RBAC decisions from the Role objects in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.enabled = False
        self._lock = threading.Lock()
        self._tokens: dict[str, User] = {ADMIN_TOKEN: User(ADMIN_USER, ("system:masters",))}

    def service_account_token(self, namespace: str, name: str) -> str:
        """A new bearer token standing for ServiceAccount `namespace`/`name`."""
        token = secrets.token_urlsafe(24)
        user = User(
            f"system:serviceaccount:{namespace}:{name}",
            ("system:serviceaccounts", f"system:serviceaccounts:{namespace}"),
            namespace,
            name,
        )
        with self._lock:
            self._tokens[token] = user
        return token

    def authenticate(self, header: str | None) -> User | None:
        """The user a request's Authorization header names; ApiError 401 when none."""
        if not self.enabled:
            return None
        scheme, _, token = (header or "").partition(" ")
        with self._lock:
            user = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        return user

    def authorize(self, user: User | None, request: Request) -> None:
        """ApiError 403 Forbidden unless a rule bound to `user` allows `request`."""
        if user is None or user.admin or self._allowed(user, request):
            return
        resource = request.resource + (f"/{request.subresource}" if request.subresource else "")
        where = (
            f'in the namespace "{request.namespace}"'
            if request.namespace
            else "at the cluster scope"
        )
        subject = f"{request.resource} {request.name!r}" if request.name else request.resource
        message = (
            f'{subject.replace(chr(39), chr(34))} is forbidden: User "{user.name}" cannot '
            f'{request.verb} resource "{resource}" in API group "{request.group}" {where}'
        )
        raise ApiError(
            403, message, "Forbidden", name=request.name, group=request.group, kind=request.resource
        )

    # -- evaluation -----------------------------------------------------------------------
    def _allowed(self, user: User, request: Request) -> bool:
        bindings = [(b, "") for b in self._objects("ClusterRoleBinding", "")]
        if request.namespace:  # a RoleBinding grants in its own namespace only
            namespace = request.namespace
            bindings += [(b, namespace) for b in self._objects("RoleBinding", namespace)]
        return any(
            _binds(binding, user)
            and any(_matches(r, request) for r in self._role_rules(binding, ns))
            for binding, ns in bindings
        )

    def _role_rules(self, binding: dict[str, Any], namespace: str) -> list[dict[str, Any]]:
        ref = binding.get("roleRef") or {}
        kind, name = ref.get("kind"), str(ref.get("name") or "")
        if kind == "ClusterRole":
            stored = self.store.get(_RBAC, "ClusterRole", "", name)
        elif kind == "Role" and namespace:
            stored = self.store.get(_RBAC, "Role", namespace, name)
        else:
            return []
        rules = stored.obj.get("rules") if stored is not None else None
        return [r for r in rules or [] if isinstance(r, dict)]

    def _objects(self, kind: str, namespace: str) -> list[dict[str, Any]]:
        return [s.obj for s in self.store.items(_RBAC, kind, namespace or "")]


def _binds(binding: dict[str, Any], user: User) -> bool:
    meta = binding.get("metadata") or {}
    for subject in binding.get("subjects") or []:
        if not isinstance(subject, dict):
            continue
        kind, name = subject.get("kind"), subject.get("name")
        if kind == "ServiceAccount" and user.account:
            namespace = subject.get("namespace") or meta.get("namespace")
            if name == user.account and namespace == user.namespace:
                return True
        elif (kind == "User" and name == user.name) or (
            kind == "Group" and name in (*user.groups, "system:authenticated")
        ):
            return True
    return False


def _matches(rule: dict[str, Any], request: Request) -> bool:
    if rule.get("nonResourceURLs"):
        return False
    if not _has(rule.get("verbs"), request.verb):
        return False
    if not _has(rule.get("apiGroups"), request.group):
        return False
    wanted = request.resource + (f"/{request.subresource}" if request.subresource else "")
    resources = rule.get("resources") or []
    if not (
        "*" in resources
        or wanted in resources
        or (request.subresource and f"*/{request.subresource}" in resources)
        or (request.subresource and f"{request.resource}/*" in resources)
    ):
        return False
    names = rule.get("resourceNames") or []
    if names:
        return request.verb in _NAMED_VERBS and request.name in names
    return True


def _has(values: Any, wanted: str) -> bool:
    return isinstance(values, list) and ("*" in values or wanted in values)
