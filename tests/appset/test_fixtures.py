"""Every fixture case expands to exactly its expected Applications, or fails with its
expected one-line error and no output."""

from __future__ import annotations

import pytest

from gitsync.errors import AppSetError
from tests.appset.fixtures import case_names, expand_case, expected_error, expected_objects


@pytest.mark.parametrize("case", case_names("expected"))
def test_case_generates_expected_applications(case: str) -> None:
    apps = expand_case(case)
    assert [app.to_object() for app in apps] == expected_objects(case)
    assert [app.name for app in apps] == sorted(app.name for app in apps)


@pytest.mark.parametrize("case", case_names("error"))
def test_case_fails_with_one_clear_line(case: str) -> None:
    with pytest.raises(AppSetError) as caught:
        expand_case(case)
    message = str(caught.value)
    assert message.startswith(expected_error(case)), message
    assert "\n" not in message


def test_documented_matrix_example_gives_four_applications() -> None:
    apps = {app.name: app for app in expand_case("matrix_git_clusters")}
    assert sorted(apps) == [
        "guestbook-production",
        "guestbook-staging",
        "helm-guestbook-production",
        "helm-guestbook-staging",
    ]
    staging = apps["helm-guestbook-staging"]
    assert staging.source.path == "apps/helm-guestbook"
    assert staging.destination.server == "https://1.2.3.4"
    assert staging.destination.namespace == "helm-guestbook"
    assert staging.project == "staging"
    assert apps["guestbook-production"].project == "production"
    assert apps["guestbook-production"].destination.server == "https://2.4.6.8"
    # Template annotations survive and the owner is recorded.
    assert staging.annotations["argocd.argoproj.io/sync-wave"] == "1"
    assert staging.annotations["gitsync.io/appset"] == "cluster-git"


def test_dot_directories_and_excluded_paths_are_skipped() -> None:
    names = [app.name for app in expand_case("git_directories")]
    assert "legacy" not in names and ".cache" not in names and "nested" not in names


def test_three_children_use_earlier_params() -> None:
    apps = expand_case("matrix_three_children")
    assert [a.name for a in apps] == ["dev-eu-dev-a", "dev-eu-dev-b", "prod-eu-prod-a"]
    assert apps[0].labels["queue"] == "dev-eu-queue"
    assert apps[2].labels["queue"] == "prod-eu-queue"


def test_nested_matrix_reaches_outer_params_two_levels_down() -> None:
    apps = expand_case("matrix_nested")
    assert len(apps) == 4
    assert {a.labels["owner"] for a in apps} == {"alpha-owner", "beta-owner"}
