from __future__ import annotations

import pytest

from gitsync.errors import ManifestError
from gitsync.model import HookDeletePolicy, Manifest, ResourceKey, SyncPhase
from gitsync.model.annotations import csv, parse_sync_annotations


def test_csv_trims_and_deduplicates() -> None:
    assert csv(" PreSync, PostSync ,PreSync,,") == ["PreSync", "PostSync"]


def test_argo_hook_with_several_phases() -> None:
    parsed = parse_sync_annotations({"argocd.argoproj.io/hook": "PreSync,PostSync"})
    assert parsed.is_hook
    assert parsed.hook_phases == (SyncPhase.PRE_SYNC, SyncPhase.POST_SYNC)
    assert parsed.delete_policies == {HookDeletePolicy.BEFORE_HOOK_CREATION}


def test_skip_alone_is_never_applied_but_skip_with_phase_is_a_hook() -> None:
    skip = parse_sync_annotations({"argocd.argoproj.io/hook": "Skip"})
    assert skip.skip and not skip.is_hook
    both = parse_sync_annotations({"argocd.argoproj.io/hook": "Skip,Sync"})
    assert both.is_hook and both.hook_phases == (SyncPhase.SYNC,)


def test_helm_hooks_map_to_phases_and_argo_annotation_wins() -> None:
    helm = parse_sync_annotations(
        {"helm.sh/hook": "pre-install,post-upgrade", "helm.sh/hook-weight": "-3"}
    )
    assert helm.hook_phases == (SyncPhase.PRE_SYNC, SyncPhase.POST_SYNC)
    assert helm.wave == -3
    argo = parse_sync_annotations(
        {"helm.sh/hook": "pre-install", "argocd.argoproj.io/hook": "PostSync"}
    )
    assert argo.hook_phases == (SyncPhase.POST_SYNC,)


def test_helm_crd_install_is_not_a_hook_and_test_hook_never_runs() -> None:
    assert not parse_sync_annotations({"helm.sh/hook": "crd-install"}).is_hook
    test_hook = parse_sync_annotations({"helm.sh/hook": "test"})
    assert test_hook.is_hook and test_hook.hook_phases == ()


def test_wave_falls_back_from_unparsable_sync_wave_to_hook_weight() -> None:
    assert parse_sync_annotations({"argocd.argoproj.io/sync-wave": "-2"}).wave == -2
    assert (
        parse_sync_annotations(
            {"argocd.argoproj.io/sync-wave": "soon", "helm.sh/hook-weight": "5"}
        ).wave
        == 5
    )
    assert parse_sync_annotations({}).wave == 0


def test_delete_policies_combine_argo_and_helm() -> None:
    parsed = parse_sync_annotations(
        {
            "argocd.argoproj.io/hook": "Sync",
            "argocd.argoproj.io/hook-delete-policy": "HookSucceeded",
            "helm.sh/hook-delete-policy": "hook-failed",
        }
    )
    assert parsed.delete_policies == {
        HookDeletePolicy.HOOK_SUCCEEDED,
        HookDeletePolicy.HOOK_FAILED,
    }


def test_sync_options_parse() -> None:
    parsed = parse_sync_annotations(
        {"argocd.argoproj.io/sync-options": "Prune=false, ServerSideApply=true"}
    )
    assert parsed.sync_options.is_set("Prune", "false")
    assert parsed.sync_options.is_set("ServerSideApply")
    assert not parsed.sync_options.is_set("Replace")


def test_manifest_key_and_errors() -> None:
    m = Manifest.from_object(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "w", "namespace": "a"},
        },
        "x.yaml",
    )
    assert m.key == ResourceKey("apps", "Deployment", "a", "w")
    assert str(m.key) == "Deployment/a/w"
    assert str(ResourceKey("", "Namespace", "", "a")) == "Namespace/a"
    with pytest.raises(ManifestError, match=r"x.yaml: object has no kind"):
        Manifest.from_object({"apiVersion": "v1", "metadata": {"name": "a"}}, "x.yaml")
    with pytest.raises(ManifestError, match=r"no metadata\.name"):
        Manifest.from_object({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}, "x.yaml")
    with pytest.raises(ManifestError, match="must be a string"):
        Manifest.from_object(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "a", "annotations": {"argocd.argoproj.io/sync-wave": 1}},
            }
        )
