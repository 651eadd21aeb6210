"""Fault injection: rules matched in order against each request, adding latency, answering
with an error status, dropping a watch connection, or resetting the connection."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass
class FaultRule:
    """Which requests a fault applies to, and what it does (status, latency, dropped watch)."""

    method: str | None = None
    path_regex: str | None = None
    kind: str | None = None
    name: str | None = None
    verb: str | None = None
    status: int | None = None
    latency: float = 0.0
    times: int | None = None  # None: every time
    drop_watch: bool = False
    reset: bool = False  # close the connection without answering
    message: str = "injected fault"
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _owner: Faults | None = field(default=None, repr=False)

    def matches(
        self, method: str, path: str, verb: str, kind: str | None, name: str | None
    ) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self.verb is not None and self.verb != verb:
            return False
        if self.kind is not None and self.kind != kind:
            return False
        if self.name is not None and self.name != name:
            return False
        if self.drop_watch and verb != "watch":
            return False
        return self._pattern is None or self._pattern.search(path) is not None

    def remove(self) -> None:
        if self._owner is not None:
            self._owner.remove(self)


@dataclass(frozen=True)
class FaultOutcome:
    """What the fault rules decided for one request."""

    latency: float = 0.0
    status: int | None = None
    message: str = ""
    drop_watch: bool = False
    reset: bool = False


class Faults:
    """The fault rules of one emulator, matched against every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []

    def add(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        status: int | None = None,
        latency: float = 0.0,
        times: int | None = None,
        drop_watch: bool = False,
        *,
        verb: str | None = None,
        message: str = "injected fault",
        reset: bool = False,
    ) -> FaultRule:
        """Add a rule; the returned rule's `.remove()` takes it out, `.fired` counts it."""
        rule = FaultRule(
            method=method,
            path_regex=path_regex,
            kind=kind,
            name=name,
            verb=verb,
            status=status,
            latency=latency,
            times=times,
            drop_watch=drop_watch,
            reset=reset,
            message=message,
        )
        rule._pattern = re.compile(path_regex) if path_regex else None
        rule._owner = self
        with self._lock:
            self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            if rule in self.rules:
                self.rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def check(
        self, method: str, path: str, verb: str, kind: str | None, name: str | None
    ) -> FaultOutcome | None:
        """Fire every matching rule in order (latencies add up) until one that answers
        with a status or drops the watch."""
        if not self.rules:
            return None
        latency = 0.0
        fired = False
        with self._lock:
            for rule in self.rules:
                if not rule.matches(method, path, verb, kind, name):
                    continue
                rule.fired += 1
                fired = True
                latency += rule.latency
                if rule.status is not None or rule.drop_watch or rule.reset:
                    return FaultOutcome(
                        latency, rule.status, rule.message, rule.drop_watch, rule.reset
                    )
        return FaultOutcome(latency) if fired else None
