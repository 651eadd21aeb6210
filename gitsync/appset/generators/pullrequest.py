"""The pullRequest generator for GitHub and Gitea: one param set per open pull request.

GitHub: ``GET {api}/repos/{owner}/{repo}/pulls?state=open&per_page=100&page=N`` (api
defaults to https://api.github.com; an Enterprise host gets ``/api/v3/``), pages while
the Link header has ``rel="next"``. Gitea: ``GET {api}/api/v1/repos/{owner}/{repo}/pulls
?state=open&limit=50&page=N`` until a short page. The token comes from
``tokenRef: {secretName, key}`` in the ApplicationSet's namespace.

Params, as Argo CD's: number, title, branch, branch_slug, target_branch,
target_branch_slug, head_sha, head_short_sha (8), head_short_sha_7, author, and in
goTemplate mode labels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.generators.plugin import dns_name, needs_resources
from gitsync.appset.generators.webclient import Reply, call_json
from gitsync.appset.resources import secret_value
from gitsync.appset.templating import Params, append_values

MAX_PAGES = 50
MAX_PULLS = 5_000
MAX_TEXT = 1_024
GITHUB_API = "https://api.github.com/"
_PROVIDERS = ("github", "gitea", "gitlab", "bitbucket", "bitbucketServer", "azuredevops")
_OWNER_OR_REPO = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_SLUG_INVALID = re.compile(r"[^a-z0-9_-]")
_SLUG_DASHES = re.compile(r"-+")
_NEXT_LINK = re.compile(r'<[^>]*>\s*;\s*rel="next"')


@dataclass(frozen=True)
class PullRequest:
    """One open pull request as a Git host's API describes it."""

    number: int
    title: str
    branch: str
    target_branch: str
    head_sha: str
    labels: tuple[str, ...]
    author: str


def generate_pull_request(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    named = [p for p in _PROVIDERS if spec.get(p) is not None]
    if len(named) != 1:
        raise FieldError(field, "needs exactly one provider (github or gitea)")
    provider = named[0]
    where = f"{field}.{provider}"
    config = spec[provider]
    if not isinstance(config, Mapping):
        raise FieldError(where, "must be a mapping")
    if provider == "github":
        if config.get("appSecretName"):
            raise FieldError(f"{where}.appSecretName", "GitHub App credentials are not supported")
        pulls = _github(config, ctx, where)
    elif provider == "gitea":
        pulls = _gitea(config, ctx, where)
    else:
        raise FieldError(where, f"provider {provider} is not supported (github and gitea are)")
    wanted = _labels(config.get("labels"), f"{where}.labels")
    pulls = [p for p in pulls if set(wanted) <= set(p.labels)]
    pulls = _filtered(pulls, spec.get("filters"), f"{field}.filters")
    results = []
    for pull in pulls:
        params = _params(pull, ctx.go_template)
        append_values(spec.get("values"), params, ctx.templater, f"{field}.values")
        results.append(params)
    return results


def _params(pull: PullRequest, go_template: bool) -> Params:
    params: Params = {
        "number": str(pull.number),
        "title": pull.title,
        "branch": pull.branch,
        "branch_slug": branch_slug(pull.branch),
        "target_branch": pull.target_branch,
        "target_branch_slug": branch_slug(pull.target_branch),
        "head_sha": pull.head_sha,
        "head_short_sha": pull.head_sha[:8],
        "head_short_sha_7": pull.head_sha[:7],
        "author": pull.author,
    }
    if go_template:  # as in Argo CD: labels only for goTemplate
        params["labels"] = list(pull.labels)
    return params


def branch_slug(branch: str, max_length: int = 50) -> str:
    """gosimple/slug as Argo CD sets it up: ``_`` -> ``-``, ``&`` -> and, ``@`` -> at,
    ASCII only, lower case, runs of other characters -> ``-``, cut at a ``-`` within
    `max_length`."""
    text = branch.strip().replace("_", "-").replace("&", "and").replace("@", "at")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _SLUG_DASHES.sub("-", _SLUG_INVALID.sub("-", text)).strip("-_")
    if len(text) <= max_length:
        return text
    for index in range(max_length, -1, -1):
        if text[index] == "-":
            return text[:index]
    return text[:max_length]


def _github(config: Mapping[str, Any], ctx: Context, field: str) -> list[PullRequest]:
    owner, repo = _owner_repo(config, field)
    base = _github_base(config.get("api"), f"{field}.api")
    headers = {"Accept": "application/vnd.github+json"}
    token = _token(config, ctx, field)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    pulls: list[PullRequest] = []
    for page in range(1, MAX_PAGES + 1):
        url = f"{base}repos/{owner}/{repo}/pulls?state=open&per_page=100&page={page}"
        reply = call_json("GET", url, ctx.env, field, headers=headers)
        pulls.extend(_pulls(reply, field, login_key="login"))
        if not _NEXT_LINK.search(reply.headers.get("link", "")):
            return pulls
        _check_count(pulls, field)
    raise FieldError(field, f"more than {MAX_PAGES} pages of pull requests")


def _gitea(config: Mapping[str, Any], ctx: Context, field: str) -> list[PullRequest]:
    owner, repo = _owner_repo(config, field)
    api = config.get("api")
    if not isinstance(api, str) or not api:
        raise FieldError(f"{field}.api", "is required for gitea")
    headers = {}
    token = _token(config, ctx, field)
    if token:
        headers["Authorization"] = f"token {token}"
    limit = 50
    pulls: list[PullRequest] = []
    for page in range(1, MAX_PAGES + 1):
        url = (
            f"{api.rstrip('/')}/api/v1/repos/{owner}/{repo}/pulls"
            f"?state=open&limit={limit}&page={page}"
        )
        reply = call_json("GET", url, ctx.env, field, headers=headers)
        found = _pulls(reply, field, login_key="login")
        pulls.extend(found)
        if len(found) < limit:
            return pulls
        _check_count(pulls, field)
    raise FieldError(field, f"more than {MAX_PAGES} pages of pull requests")


def _github_base(api: Any, field: str) -> str:
    if api is None or api == "":
        return GITHUB_API
    if not isinstance(api, str):
        raise FieldError(field, "must be a URL")
    base = api if api.endswith("/") else api + "/"
    parts = urlsplit(base)
    host = parts.hostname or ""
    # go-github's WithEnterpriseURLs: an Enterprise server answers under /api/v3/.
    if not parts.path.endswith("/api/v3/") and not host.startswith("api.") and ".api." not in host:
        base += "api/v3/"
    return base


def _owner_repo(config: Mapping[str, Any], field: str) -> tuple[str, str]:
    names = []
    for key in ("owner", "repo"):
        value = config.get(key)
        if not isinstance(value, str) or not _OWNER_OR_REPO.match(value) or value in (".", ".."):
            raise FieldError(f"{field}.{key}", "must be a repository owner or name")
        names.append(quote(value, safe=""))
    return names[0], names[1]


def _token(config: Mapping[str, Any], ctx: Context, field: str) -> str:
    ref = config.get("tokenRef")
    if ref is None:
        return ""  # public access, as Argo CD allows
    if not isinstance(ref, Mapping):
        raise FieldError(f"{field}.tokenRef", "must be {secretName, key}")
    reader = needs_resources(ctx, field)
    secret = dns_name(ref.get("secretName"), f"{field}.tokenRef.secretName")
    key = ref.get("key")
    if not isinstance(key, str) or not key:
        raise FieldError(f"{field}.tokenRef.key", "is missing")
    namespace = ctx.appset.namespace or ctx.env.namespace
    return secret_value(reader, namespace, secret, key, f"{field}.tokenRef")


def _pulls(reply: Reply, field: str, *, login_key: str) -> list[PullRequest]:
    if not isinstance(reply.body, list):
        raise FieldError(field, "pull request list reply is not a JSON list")
    return [_pull(item, field, login_key) for item in reply.body]


def _pull(item: Any, field: str, login_key: str) -> PullRequest:
    if not isinstance(item, Mapping):
        raise FieldError(field, "pull request reply holds a non-object")
    head, base, user = item.get("head"), item.get("base"), item.get("user")
    number = item.get("number")
    if (
        not isinstance(number, int)
        or isinstance(number, bool)
        or not isinstance(head, Mapping)
        or not isinstance(base, Mapping)
    ):
        raise FieldError(field, "pull request reply lacks number, head or base")
    labels = item.get("labels") or []
    if not isinstance(labels, list):
        raise FieldError(field, "pull request labels are not a list")
    return PullRequest(
        number=number,
        title=_text(item.get("title")),
        branch=_text(head.get("ref")),
        target_branch=_text(base.get("ref")),
        head_sha=_text(head.get("sha")),
        labels=tuple(_text(label.get("name")) for label in labels if isinstance(label, Mapping)),
        author=_text(user.get(login_key)) if isinstance(user, Mapping) else "",
    )


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _check_count(pulls: list[PullRequest], field: str) -> None:
    if len(pulls) > MAX_PULLS:
        raise FieldError(field, f"more than {MAX_PULLS} open pull requests")


def _labels(raw: Any, field: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise FieldError(field, "must be a list of label names")
    return raw


def _filtered(pulls: list[PullRequest], raw: Any, field: str) -> list[PullRequest]:
    """Argo CD's filters: a pull request passes when any filter matches it (each filter:
    `branchMatch` and `targetBranchMatch` regular expressions, both must match)."""
    if not raw:
        return pulls
    if not isinstance(raw, list):
        raise FieldError(field, "must be a list")
    compiled = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise FieldError(f"{field}[{index}]", "must be a mapping")
        compiled.append(
            tuple(
                _regex(item.get(k), f"{field}[{index}].{k}")
                for k in ("branchMatch", "targetBranchMatch")
            )
        )
    return [
        pull
        for pull in pulls
        if any(
            (branch is None or branch.search(pull.branch))
            and (target is None or target.search(pull.target_branch))
            for branch, target in compiled
        )
    ]


def _regex(raw: Any, field: str) -> re.Pattern[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_TEXT:
        raise FieldError(field, "must be a regular expression")
    try:
        return re.compile(raw)
    except re.error as err:
        raise FieldError(field, f"invalid regular expression: {err}") from None
