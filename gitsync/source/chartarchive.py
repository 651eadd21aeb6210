"""Chart archives (``.tgz``) unpacked safely: members that leave the chart directory, links,
device files and archives unpacking beyond a size cap are refused; the chart lands in
its cache directory atomically."""

from __future__ import annotations

import io
import os
import posixpath
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path

from gitsync.errors import SourceError


def unpack_chart(data: bytes, chart: str, destination: Path, limit: int, label: str) -> None:
    """Unpack the archive's chart directory to `destination`, atomically."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=destination.parent))
    except OSError as err:
        raise SourceError(f"cannot create cache directory {destination.parent}: {err}") from None
    try:
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
                members = archive.getmembers()
                top = _chart_directory(members, chart, limit, label)
                # The checks above already refuse unsafe members; the "data" filter is a
                # second line that also drops modes such as setuid.
                archive.extractall(staging, members=members, filter="data")
        except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
            raise SourceError(f"{label}: not a valid chart archive ({one_line(err)})") from None
        try:
            os.rename(staging / top, destination)
        except OSError:
            if not destination.is_dir():  # else: unpacked meanwhile by another process
                raise SourceError(f"{label}: cannot write {destination}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _chart_directory(members: list[tarfile.TarInfo], chart: str, limit: int, label: str) -> str:
    """The top directory holding Chart.yaml, after refusing any unsafe member."""
    total = 0
    tops: set[str] = set()
    for member in members:
        name = member.name
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts and member.isdir() and not name.startswith(("/", "\\")):
            continue  # "./", as some tar tools write
        if name.startswith(("/", "\\")) or ".." in parts or not parts:
            raise SourceError(f"{label}: archive member {name!r} leaves the chart directory")
        if not (member.isfile() or member.isdir()):
            raise SourceError(f"{label}: archive member {name!r} is a link or special file")
        total += member.size
        if total > limit:
            raise SourceError(f"{label}: archive unpacks to more than {megabytes(limit)}")
        if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
            tops.add(parts[0])
    if chart in tops:
        return chart
    if len(tops) == 1:  # Helm reads the chart from whichever directory the archive holds
        return tops.pop()
    raise SourceError(f"{label}: archive does not hold {posixpath.join(chart, 'Chart.yaml')}")


def megabytes(size: int) -> str:
    mebibyte = 1024 * 1024
    return f"{size // mebibyte} MB" if size % mebibyte == 0 else f"{size} bytes"


def one_line(err: object) -> str:
    """An error's message folded into one line."""
    text = " ".join(str(err).split())
    return text or err.__class__.__name__
