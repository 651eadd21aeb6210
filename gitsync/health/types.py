"""The result of a health check and the shape every check has."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from gitsync.model.enums import HealthStatus


@dataclass(frozen=True)
class Health:
    """Health of one object (or one application): a status and why."""

    status: HealthStatus
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.message else str(self.status)


# A check reads one live object and says how healthy it is; None means "no opinion"
# (the object then neither helps nor hurts its application's health).
Check: TypeAlias = Callable[[Mapping[str, Any]], Health | None]


def healthy(message: str = "") -> Health:
    return Health(HealthStatus.HEALTHY, message)


def progressing(message: str = "") -> Health:
    return Health(HealthStatus.PROGRESSING, message)


def degraded(message: str = "") -> Health:
    return Health(HealthStatus.DEGRADED, message)


def suspended(message: str = "") -> Health:
    return Health(HealthStatus.SUSPENDED, message)


def unknown(message: str = "") -> Health:
    return Health(HealthStatus.UNKNOWN, message)
