"""A failure inside one field of an ApplicationSet, before it is named for the user."""

from __future__ import annotations

from gitsync.errors import AppSetError


class FieldError(AppSetError):
    """Raised by generators and templates; `expand` adds the ApplicationSet's name.

    `field` is the path of the field that failed, e.g. ``spec.generators[0].matrix``.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
