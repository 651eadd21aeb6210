"""The one source failure a renderer reports as a bad file rather than a bad source."""

from __future__ import annotations

from gitsync.errors import SourceError


class UnreadableFileError(SourceError):
    """A file that exists in the listing but cannot be read (permissions, I/O, vanished).

    Renderers turn it into a ManifestError naming the file; path escapes stay SourceError.
    """
