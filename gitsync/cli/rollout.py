"""`gitsync rollout get|promote|abort|retry NAME`: what `kubectl argo rollouts` does for
those verbs (the same patches), so hook Jobs need only the gitsync image."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import click

from gitsync.cli.output import JSON, NAME, TABLE, YAML, emit, output_option, resource_name
from gitsync.kube.cluster import Cluster
from gitsync.rollouts import abort, find_rollout, promote, retry, view_of
from gitsync.rollouts.view import HASH_LABEL


def _cluster(kubeconfig: str | None, context: str | None) -> Cluster:
    return Cluster.from_kubeconfig(kubeconfig, context)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--context", help="Kubeconfig context (default: the current one).")(func)
    func = click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file.")(
        func
    )
    func = click.option("-n", "--namespace", help="Namespace (default: the context's).")(func)
    return click.argument("name")(func)


@click.group("rollout")
def rollout_group() -> None:
    """Inspect and steer Argo Rollouts (like `kubectl argo rollouts`)."""


@rollout_group.command("get")
@_common
@output_option((TABLE, JSON, YAML, NAME))
def get_command(
    name: str, namespace: str | None, kubeconfig: str | None, context: str | None, output: str
) -> None:
    """Show a Rollout: phase, health, pause, step, images and ReplicaSets."""
    with _cluster(kubeconfig, context) as cluster:
        rollout = find_rollout(cluster, name, namespace)
        uid = rollout["metadata"].get("uid")
        owned = [
            rs
            for rs in cluster.list(
                "apps/v1",
                "ReplicaSet",
                namespace=rollout["metadata"].get("namespace"),
                label_selector=HASH_LABEL,
            )
            if any(r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])
        ]
        view = view_of(rollout, owned)
    emit(
        asdict(view),
        output,
        table=lambda _: "\n".join(view.lines()),
        names=lambda: [resource_name("Rollout", view.namespace, view.name)],
    )


@rollout_group.command("promote")
@_common
@click.option("--full", is_flag=True, help="Skip remaining pauses and steps.")
def promote_command(
    name: str, namespace: str | None, kubeconfig: str | None, context: str | None, full: bool
) -> None:
    """Promote a paused Rollout (clears the pause; canary: next step)."""
    with _cluster(kubeconfig, context) as cluster:
        promote(cluster, name, namespace, full=full)
    click.echo(f"rollout '{name}' {'fully promoted' if full else 'promoted'}")


@rollout_group.command("abort")
@_common
def abort_command(
    name: str, namespace: str | None, kubeconfig: str | None, context: str | None
) -> None:
    """Abort an update: back to the stable version."""
    with _cluster(kubeconfig, context) as cluster:
        abort(cluster, name, namespace)
    click.echo(f"rollout '{name}' aborted")


@rollout_group.command("retry")
@_common
def retry_command(
    name: str, namespace: str | None, kubeconfig: str | None, context: str | None
) -> None:
    """Retry an aborted update."""
    with _cluster(kubeconfig, context) as cluster:
        retry(cluster, name, namespace)
    click.echo(f"rollout '{name}' retried")
