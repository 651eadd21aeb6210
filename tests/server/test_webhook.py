from __future__ import annotations

import json

import pytest

from gitsync.server.webhook import (
    BITBUCKET_CLOUD,
    BITBUCKET_SERVER,
    GITEA,
    GITHUB,
    GITLAB,
    GOGS,
    WebhookRejected,
    WebhookSecrets,
    detect_provider,
    parse_webhook,
    sign,
)
from tests.server.helpers import (
    BITBUCKET_UUID,
    SECRET,
    bitbucket_cloud_headers,
    bitbucket_server_headers,
    body,
    gitea_headers,
    github_headers,
    gitlab_headers,
    gogs_headers,
)

ALL_SECRETS = WebhookSecrets(
    github=SECRET,
    gitlab=SECRET,
    gitea=SECRET,
    bitbucket_server=SECRET,
    bitbucket_uuid=BITBUCKET_UUID,
)
NO_SECRETS = WebhookSecrets()


def rejected(headers: dict[str, str], payload: bytes, secrets: WebhookSecrets) -> WebhookRejected:
    with pytest.raises(WebhookRejected) as info:
        parse_webhook(headers, payload, secrets)
    return info.value


# -- GitHub -----------------------------------------------------------------------------
def test_github_push_is_parsed_with_every_url_form_and_changed_files() -> None:
    payload = body("github-push.json")
    delivery = parse_webhook(github_headers(payload), payload, ALL_SECRETS)
    assert delivery.provider == GITHUB and delivery.event == "push"
    (push,) = delivery.pushes
    assert push.branch == "main" and not push.is_tag and push.ref == "refs/heads/main"
    assert push.repo_urls == (
        "https://github.com/Example-Org/platform-deploy",
        "https://github.com/Example-Org/platform-deploy.git",
        "git@github.com:Example-Org/platform-deploy.git",
        "git://github.com/Example-Org/platform-deploy.git",
    )
    assert push.before == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert push.after == "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
    assert push.changed_files == frozenset(
        {
            "apps/web/deployment.yaml",
            "shared/netpol.yaml",
            "apps/api/old-config.yaml",
        }
    )
    assert push.default_branch == "main"


def test_github_bad_signature_is_401() -> None:
    payload = body("github-push.json")
    headers = github_headers(payload, secret="not the secret")
    err = rejected(headers, payload, ALL_SECRETS)
    assert err.status_code == 401 and "mismatch" in err.reason


def test_github_body_tampered_after_signing_is_401() -> None:
    payload = body("github-push.json")
    headers = github_headers(payload)
    tampered = payload.replace(b"refs/heads/main", b"refs/heads/evil")
    assert rejected(headers, tampered, ALL_SECRETS).status_code == 401


def test_github_missing_signature_when_secret_set_is_401() -> None:
    payload = body("github-push.json")
    err = rejected(github_headers(payload, secret=None), payload, ALL_SECRETS)
    assert err.status_code == 401 and "missing" in err.reason


def test_github_sha1_signature_header_alone_is_not_accepted() -> None:
    payload = body("github-push.json")
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature": "sha1=" + "0" * 40}
    assert rejected(headers, payload, ALL_SECRETS).status_code == 401


def test_github_unsigned_accepted_when_no_secret_configured() -> None:
    payload = body("github-push.json")
    delivery = parse_webhook(github_headers(payload, secret=None), payload, NO_SECRETS)
    assert delivery.pushes[0].branch == "main"


def test_github_ping_is_acknowledged_and_ignored() -> None:
    payload = body("github-ping.json")
    delivery = parse_webhook(github_headers(payload, event="ping"), payload, ALL_SECRETS)
    assert delivery.ignored and delivery.event == "ping"


def test_github_ping_with_bad_signature_is_still_refused() -> None:
    payload = body("github-ping.json")
    headers = github_headers(payload, event="ping", secret="wrong")
    assert rejected(headers, payload, ALL_SECRETS).status_code == 401


def test_github_tag_push() -> None:
    payload = body("github-tag.json")
    (push,) = parse_webhook(github_headers(payload), payload, ALL_SECRETS).pushes
    assert push.is_tag and push.branch == "v1.4.0" and push.ref == "refs/tags/v1.4.0"
    assert push.before is None  # all-zero SHA: the tag is new
    assert push.changed_files is None  # a new ref: the commit list says nothing


def test_github_branch_with_slashes_keeps_them() -> None:
    data = json.loads(body("github-push.json"))
    data["ref"] = "refs/heads/feature/team-a/canary"
    payload = json.dumps(data).encode()
    (push,) = parse_webhook(github_headers(payload), payload, ALL_SECRETS).pushes
    assert push.branch == "feature/team-a/canary" and not push.is_tag


@pytest.mark.parametrize("flag", ["forced", "deleted", "created"])
def test_github_forced_created_or_deleted_push_has_unknown_changed_files(flag: str) -> None:
    data = json.loads(body("github-push.json"))
    data[flag] = True
    payload = json.dumps(data).encode()
    (push,) = parse_webhook(github_headers(payload), payload, ALL_SECRETS).pushes
    assert push.changed_files is None


def test_github_deleted_branch_has_no_after() -> None:
    data = json.loads(body("github-push.json"))
    data.update(deleted=True, after="0" * 40, commits=[])
    payload = json.dumps(data).encode()
    (push,) = parse_webhook(github_headers(payload), payload, ALL_SECRETS).pushes
    assert push.after is None and push.before is not None


def test_github_pull_request_refs_are_not_pushes() -> None:
    data = json.loads(body("github-push.json"))
    data["ref"] = "refs/pull/12/head"
    payload = json.dumps(data).encode()
    assert parse_webhook(github_headers(payload), payload, ALL_SECRETS).ignored


def test_github_form_encoded_delivery() -> None:
    import urllib.parse

    payload = urllib.parse.urlencode({"payload": body("github-push.json").decode()}).encode()
    headers = github_headers(payload)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    (push,) = parse_webhook(headers, payload, ALL_SECRETS).pushes
    assert push.branch == "main"


def test_bad_json_is_400() -> None:
    payload = b"{not json"
    err = rejected(github_headers(payload), payload, ALL_SECRETS)
    assert err.status_code == 400


def test_absurdly_nested_json_is_400_not_a_crash() -> None:
    payload = b"[" * 200_000 + b"]" * 200_000
    assert rejected(github_headers(payload), payload, NO_SECRETS).status_code == 400


def test_json_that_is_not_an_object_is_400() -> None:
    payload = b"[1, 2]"
    assert rejected(github_headers(payload), payload, ALL_SECRETS).status_code == 400


def test_push_without_ref_is_400() -> None:
    payload = b'{"repository": {"html_url": "https://github.com/a/b"}}'
    err = rejected(github_headers(payload), payload, ALL_SECRETS)
    assert err.status_code == 400 and "ref" in err.reason


def test_unknown_provider_is_400() -> None:
    err = rejected({"Content-Type": "application/json"}, b"{}", ALL_SECRETS)
    assert err.status_code == 400 and "unknown" in err.reason


def test_header_names_are_case_insensitive() -> None:
    payload = body("github-push.json")
    headers = {k.lower(): v for k, v in github_headers(payload).items()}
    assert parse_webhook(headers, payload, ALL_SECRETS).pushes


# -- GitLab -----------------------------------------------------------------------------
def test_gitlab_push() -> None:
    payload = body("gitlab-push.json")
    delivery = parse_webhook(gitlab_headers(), payload, ALL_SECRETS)
    (push,) = delivery.pushes
    assert delivery.provider == GITLAB
    assert push.branch == "release/2024.05" and not push.is_tag
    assert "https://gitlab.example.com/infra/platform/deploy" in push.repo_urls
    assert "git@gitlab.example.com:infra/platform/deploy.git" in push.repo_urls
    assert push.changed_files == frozenset(
        {"apps/api/hpa.yaml", "apps/api/deployment.yaml", "README.md"}
    )
    assert push.default_branch == "main"


def test_gitlab_wrong_token_is_401() -> None:
    err = rejected(gitlab_headers(token="guess"), body("gitlab-push.json"), ALL_SECRETS)
    assert err.status_code == 401


def test_gitlab_missing_token_is_401() -> None:
    err = rejected(gitlab_headers(token=None), body("gitlab-push.json"), ALL_SECRETS)
    assert err.status_code == 401


def test_gitlab_unsigned_accepted_without_secret() -> None:
    delivery = parse_webhook(gitlab_headers(token=None), body("gitlab-push.json"), NO_SECRETS)
    assert delivery.pushes


def test_gitlab_tag_push() -> None:
    delivery = parse_webhook(
        gitlab_headers("Tag Push Hook"), body("gitlab-tag-push.json"), ALL_SECRETS
    )
    (push,) = delivery.pushes
    assert push.is_tag and push.branch == "v2.0.1" and push.changed_files is None


def test_gitlab_truncated_commit_list_means_unknown_files() -> None:
    data = json.loads(body("gitlab-push.json"))
    data["total_commits_count"] = 35
    (push,) = parse_webhook(gitlab_headers(), json.dumps(data).encode(), ALL_SECRETS).pushes
    assert push.changed_files is None


def test_gitlab_non_push_events_are_ignored() -> None:
    payload = b'{"object_kind": "merge_request"}'
    assert parse_webhook(gitlab_headers("Merge Request Hook"), payload, ALL_SECRETS).ignored
    assert parse_webhook(gitlab_headers("System Hook"), payload, ALL_SECRETS).ignored


def test_gitlab_system_hook_push_is_parsed() -> None:
    delivery = parse_webhook(gitlab_headers("System Hook"), body("gitlab-push.json"), ALL_SECRETS)
    assert delivery.pushes[0].branch == "release/2024.05"


# -- Gitea / Gogs -----------------------------------------------------------------------
def test_gitea_push_wins_over_its_github_header() -> None:
    payload = body("gitea-push.json")
    delivery = parse_webhook(gitea_headers(payload), payload, ALL_SECRETS)
    (push,) = delivery.pushes
    assert delivery.provider == GITEA
    assert push.branch == "main"
    assert push.repo_urls == (
        "https://gitea.example.com/ops/deploy",
        "https://gitea.example.com/ops/deploy.git",
        "ssh://git@gitea.example.com:2222/ops/deploy.git",
    )
    assert push.changed_files == frozenset({"clusters/prod/worker/values.yaml"})


def test_gitea_bad_signature_is_401() -> None:
    payload = body("gitea-push.json")
    headers = gitea_headers(payload, secret="nope")
    assert rejected(headers, payload, ALL_SECRETS).status_code == 401


def test_gitea_missing_signature_is_401() -> None:
    payload = body("gitea-push.json")
    assert rejected(gitea_headers(payload, secret=None), payload, ALL_SECRETS).status_code == 401


def test_gitea_unsigned_accepted_without_secret() -> None:
    payload = body("gitea-push.json")
    assert parse_webhook(gitea_headers(payload, secret=None), payload, NO_SECRETS).pushes


def test_gitea_truncated_commit_list_means_unknown_files() -> None:
    data = json.loads(body("gitea-push.json"))
    data["total_commits"] = 12
    payload = json.dumps(data).encode()
    (push,) = parse_webhook(gitea_headers(payload), payload, ALL_SECRETS).pushes
    assert push.changed_files is None


def test_gitea_non_push_event_ignored() -> None:
    payload = b'{"action": "opened"}'
    assert parse_webhook(gitea_headers(payload, event="pull_request"), payload, ALL_SECRETS).ignored


def test_gogs_push() -> None:
    payload = body("gogs-push.json")
    delivery = parse_webhook(gogs_headers(payload), payload, ALL_SECRETS)
    (push,) = delivery.pushes
    assert delivery.provider == GOGS
    assert push.branch == "develop" and push.default_branch == "master"
    assert push.changed_files == frozenset({"overlays/staging/kustomization.yaml"})


def test_gogs_bad_signature_is_401() -> None:
    payload = body("gogs-push.json")
    assert rejected(gogs_headers(payload, secret="x"), payload, ALL_SECRETS).status_code == 401


# -- Bitbucket Server -------------------------------------------------------------------
def test_bitbucket_server_refs_changed_gives_one_push_per_ref() -> None:
    payload = body("bitbucket-server-refs-changed.json")
    delivery = parse_webhook(bitbucket_server_headers(payload), payload, ALL_SECRETS)
    assert delivery.provider == BITBUCKET_SERVER
    branch, tag = delivery.pushes
    assert branch.branch == "master" and not branch.is_tag
    assert branch.before == "ecddabb624f6f5ba43816f5926e580a5f680a932"
    assert branch.after == "178864a7d521b6f5e720b386b2c2b0ef8563e0dc"
    assert branch.changed_files is None  # Bitbucket Server does not list files
    assert branch.repo_urls == (
        "ssh://git@bitbucket.example.com:7999/ops/cluster-config.git",
        "https://bitbucket.example.com/scm/ops/cluster-config.git",
    )
    assert tag.is_tag and tag.branch == "prod-2024-05-15" and tag.before is None


def test_bitbucket_server_bad_signature_is_401() -> None:
    payload = body("bitbucket-server-refs-changed.json")
    headers = bitbucket_server_headers(payload, secret="wrong")
    assert rejected(headers, payload, ALL_SECRETS).status_code == 401


def test_bitbucket_server_missing_signature_is_401() -> None:
    payload = body("bitbucket-server-refs-changed.json")
    headers = bitbucket_server_headers(payload, secret=None)
    assert rejected(headers, payload, ALL_SECRETS).status_code == 401


def test_bitbucket_server_unsigned_accepted_without_secret() -> None:
    payload = body("bitbucket-server-refs-changed.json")
    headers = bitbucket_server_headers(payload, secret=None)
    assert len(parse_webhook(headers, payload, NO_SECRETS).pushes) == 2


def test_bitbucket_server_ping_ignored() -> None:
    payload = body("bitbucket-server-ping.json")
    headers = bitbucket_server_headers(payload, event="diagnostics:ping")
    assert parse_webhook(headers, payload, ALL_SECRETS).ignored


# -- Bitbucket Cloud --------------------------------------------------------------------
def test_bitbucket_cloud_push() -> None:
    payload = body("bitbucket-cloud-push.json")
    delivery = parse_webhook(bitbucket_cloud_headers(), payload, ALL_SECRETS)
    (push,) = delivery.pushes
    assert delivery.provider == BITBUCKET_CLOUD
    assert push.branch == "feature/canary" and not push.is_tag
    assert push.repo_urls == ("https://bitbucket.org/acme/rollouts",)
    assert push.before == "1e65c05c1d5171631d92438a13901ca7dae9618c"
    assert push.after == "709d658dc5b6d6afcd46049c2f332ee3f515a67d"
    assert push.changed_files is None


def test_bitbucket_cloud_wrong_uuid_is_401() -> None:
    headers = bitbucket_cloud_headers(uuid="{00000000-0000-4000-8000-000000000000}")
    err = rejected(headers, body("bitbucket-cloud-push.json"), ALL_SECRETS)
    assert err.status_code == 401


def test_bitbucket_cloud_any_uuid_accepted_when_none_configured() -> None:
    headers = bitbucket_cloud_headers(uuid="{00000000-0000-4000-8000-000000000000}")
    assert parse_webhook(headers, body("bitbucket-cloud-push.json"), NO_SECRETS).pushes


def test_bitbucket_cloud_tag_push_and_deleted_branch() -> None:
    data = json.loads(body("bitbucket-cloud-push.json"))
    change = data["push"]["changes"][0]
    deleted = dict(change, new=None)
    tag = dict(
        change,
        old=None,
        new={
            "type": "tag",
            "name": "v3",
            "target": {"hash": "709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
        },
    )
    data["push"]["changes"] = [deleted, tag]
    pushes = parse_webhook(bitbucket_cloud_headers(), json.dumps(data).encode(), ALL_SECRETS).pushes
    assert (pushes[0].branch, pushes[0].is_tag, pushes[0].after) == ("feature/canary", False, None)
    assert (pushes[1].branch, pushes[1].is_tag, pushes[1].before) == ("v3", True, None)


def test_bitbucket_cloud_non_push_ignored() -> None:
    headers = bitbucket_cloud_headers(event="pullrequest:created")
    assert parse_webhook(headers, b"{}", ALL_SECRETS).ignored


def test_bitbucket_cloud_is_detected_before_bitbucket_server() -> None:
    assert detect_provider(bitbucket_cloud_headers())[0] == BITBUCKET_CLOUD


# -- secrets never leak -----------------------------------------------------------------
def test_secrets_repr_hides_values() -> None:
    text = repr(ALL_SECRETS)
    assert SECRET not in text and BITBUCKET_UUID not in text
    assert "github" in text


def test_sign_matches_githubs_documented_example() -> None:
    # The example from GitHub's "Validating webhook deliveries" page.
    expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected
