"""Page logins: the API token exchanged for a session cookie, with a CSRF token per session.

The cookie is HttpOnly and SameSite=Strict (Secure when the request came over HTTPS, as
far as a proxy's X-Forwarded-Proto says); every POST from a page carries the session's
CSRF token in a hidden field, compared in constant time. Sessions live in memory: a
restarted controller asks for a new login.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "gitsync_session"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 1000


@dataclass(frozen=True)
class Session:
    """A logged-in (or anonymous) page session and its CSRF token."""

    id: str
    csrf: str
    expires: float
    anonymous: bool = False


class Sessions:
    """Page sessions in memory: bounded in number, each expiring."""

    def __init__(self, lifetime: float = SESSION_SECONDS, limit: int = MAX_SESSIONS) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._lifetime = lifetime
        self._limit = limit

    def create(self, *, anonymous: bool = False) -> Session:
        now = time.time()
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + self._lifetime, anonymous
        )
        with self._lock:
            for sid in [s for s, v in self._sessions.items() if v.expires <= now]:
                del self._sessions[sid]
            while len(self._sessions) >= self._limit:  # the oldest goes first
                oldest = min(self._sessions.values(), key=lambda v: v.expires)
                del self._sessions[oldest.id]
            self._sessions[session.id] = session
        return session

    def get(self, cookie_header: str) -> Session | None:
        sid = cookie_value(cookie_header, COOKIE)
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or session.expires <= time.time():
                self._sessions.pop(sid, None)
                return None
            return session

    def drop(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)


def csrf_ok(session: Session | None, given: str) -> bool:
    return session is not None and hmac.compare_digest(session.csrf.encode(), given.encode())


def cookie_value(header: str, name: str) -> str:
    for part in header[:8192].split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip()
    return ""


def set_cookie(session: Session, *, secure: bool) -> str:
    flags = "; Secure" if secure else ""
    attributes = f"Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{flags}"
    return f"{COOKIE}={session.id}; {attributes}"


def clear_cookie() -> str:
    return f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
