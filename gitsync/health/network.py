"""Services, Ingresses and aggregated APIServices: healthy once they can serve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import condition, items, text
from gitsync.health.types import Health, healthy, progressing


def service(obj: Mapping[str, Any]) -> Health:
    if text(obj, "spec", "type") != "LoadBalancer":
        return healthy()
    if items(obj, "status", "loadBalancer", "ingress"):
        return healthy()
    return progressing("Waiting for the load balancer to get an address")


def ingress(obj: Mapping[str, Any]) -> Health:
    if items(obj, "status", "loadBalancer", "ingress"):
        return healthy()
    return progressing("Waiting for the ingress controller to assign an address")


def apiservice(obj: Mapping[str, Any]) -> Health:
    available = condition(obj, "Available")
    if available is None:
        return progressing("Waiting to be processed")
    message = f"{available.get('reason') or ''}: {available.get('message') or ''}".strip(": ")
    if available.get("status") == "True":
        return healthy(message)
    return progressing(message)
