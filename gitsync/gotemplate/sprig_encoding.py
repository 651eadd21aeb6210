"""Sprig's encoding, hashing, path, URL, UUID and semver functions."""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import urllib.parse
import uuid
import zlib
from typing import Any

from gitsync.errors import SourceError
from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import FuncMap, register
from gitsync.gotemplate.values import GoObject
from gitsync.source.semver import Version, parse_constraint

ENCODING: FuncMap = {}


register(ENCODING, "b64enc", "string")(lambda text: base64.b64encode(text.encode()).decode())
register(ENCODING, "b32enc", "string")(lambda text: base64.b32encode(text.encode()).decode())


_B64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


@register(ENCODING, "b64dec", "string")
def _b64dec(text: str) -> str:
    try:
        return base64.b64decode(text.encode(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        # Sprig returns Go's error text in place of the value.
        stripped = text.rstrip("=")
        bad = next((i for i, c in enumerate(stripped) if c not in _B64), None)
        if bad is None:
            bad = len(text) - len(text) % 4 if len(text) % 4 else len(stripped)
        return f"illegal base64 data at input byte {bad}"


@register(ENCODING, "b32dec", "string")
def _b32dec(text: str) -> str:
    try:
        return base64.b32decode(text.encode()).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as err:
        return str(err)


register(ENCODING, "sha1sum", "string")(lambda text: hashlib.sha1(text.encode()).hexdigest())
register(ENCODING, "sha256sum", "string")(lambda text: hashlib.sha256(text.encode()).hexdigest())
register(ENCODING, "sha512sum", "string")(lambda text: hashlib.sha512(text.encode()).hexdigest())
register(ENCODING, "adler32sum", "string")(lambda text: str(zlib.adler32(text.encode())))
register(ENCODING, "uuidv4")(lambda: str(uuid.uuid4()))


@register(ENCODING, "randBytes", "int")
def _rand_bytes(count: int) -> str:
    import os

    if count < 0 or count > 1 << 20:
        raise FuncError(f"randBytes: {count} bytes are out of range")
    return base64.b64encode(os.urandom(count)).decode()


def path_clean(path: str) -> str:
    """path.Clean: the shortest equivalent path ("." for an empty one)."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


@register(ENCODING, "base", "string")
def path_base(path: str) -> str:
    if path == "":
        return "."
    path = path.rstrip("/")
    if path == "":
        return "/"
    return path.rsplit("/", 1)[-1]


@register(ENCODING, "dir", "string")
def path_dir(path: str) -> str:
    head = path[: path.rfind("/") + 1]
    return path_clean(head)


@register(ENCODING, "ext", "string")
def path_ext(path: str) -> str:
    for index in range(len(path) - 1, -1, -1):
        if path[index] == "/":
            return ""
        if path[index] == ".":
            return path[index:]
    return ""


register(ENCODING, "clean", "string")(path_clean)
register(ENCODING, "isAbs", "string")(lambda path: path.startswith("/"))
for _name, _impl in (
    ("osBase", path_base),
    ("osDir", path_dir),
    ("osExt", path_ext),
    ("osClean", path_clean),
    ("osIsAbs", posixpath.isabs),
):
    register(ENCODING, _name, "string")(_impl)


@register(ENCODING, "urlParse", "string")
def _url_parse(text: str) -> dict[str, Any]:
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError as err:
        raise FuncError(f"unable to parse url: {err}") from None
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    host = parts.netloc.rpartition("@")[2]
    return {
        "scheme": parts.scheme,
        "host": host,
        "hostname": parts.hostname or "",
        "path": urllib.parse.unquote(parts.path),
        "query": parts.query,
        "opaque": "",
        "fragment": parts.fragment,
        "userinfo": userinfo,
    }


@register(ENCODING, "urlJoin", "map")
def _url_join(parts: Any) -> str:
    parts = parts or {}

    def get(key: str) -> str:
        value = parts.get(key, "")
        return value if isinstance(value, str) else ""

    netloc = get("host")
    if get("userinfo"):
        netloc = f"{get('userinfo')}@{netloc}"
    url = ""
    if get("scheme"):
        url += get("scheme") + ":"
    if netloc or get("scheme") in ("http", "https"):
        url += "//" + netloc
    path = get("path")
    url += urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~")
    if get("query"):
        url += "?" + get("query")
    if get("fragment"):
        url += "#" + urllib.parse.quote(get("fragment"), safe="/:@!$&'()*+,;=-._~?")
    return url


class SemverValue(GoObject):
    """Masterminds' *semver.Version with the methods templates use."""

    go_type = "*semver.Version"

    def __init__(self, version: Version, text: str) -> None:
        self.version = version
        self.text = text

    def go_field(self, name: str) -> Any:
        version = self.version
        prerelease = ".".join(str(p) for p in version.prerelease)
        metadata = self.text.partition("+")[2]
        fields = {
            "Major": version.major,
            "Minor": version.minor,
            "Patch": version.patch,
            "Prerelease": prerelease,
            "Metadata": metadata,
            "Original": self.text,
            "String": self.go_string(),
        }
        if name not in fields:
            raise KeyError(name)
        return fields[name]

    def go_string(self) -> str:
        version = self.version
        text = f"{version.major}.{version.minor}.{version.patch}"
        if version.prerelease:
            text += "-" + ".".join(str(p) for p in version.prerelease)
        metadata = self.text.partition("+")[2]
        return text + (f"+{metadata}" if metadata else "")


@register(ENCODING, "semver", "string")
def _semver(text: str) -> SemverValue:
    version = Version.parse(text)
    if version is None:
        raise FuncError("Invalid Semantic Version")
    return SemverValue(version, text)


@register(ENCODING, "semverCompare", "string", "string")
def _semver_compare(constraint: str, text: str) -> bool:
    try:
        parsed = parse_constraint(constraint)
    except SourceError as err:
        raise FuncError(f"improper constraint: {constraint} ({err})") from None
    version = Version.parse(text)
    if version is None:
        raise FuncError("Invalid Semantic Version")
    return parsed.matches(version)
