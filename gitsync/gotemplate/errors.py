"""Errors of the Go template engine: one line each, in Go's wording where Go has one."""

from __future__ import annotations

from gitsync.errors import GitsyncError


class TemplateError(GitsyncError):
    """A template that cannot be parsed or executed."""


class TemplateParseError(TemplateError):
    """The text is not a valid template (``template: NAME:LINE: message``)."""


class TemplateExecError(TemplateError):
    """Execution failed (``template: NAME:LINE:COL: executing "NAME" at <node>: message``)."""


class TemplateBoundError(TemplateError):
    """A resource bound was exceeded; the message names the bound and its limit."""


class FuncError(Exception):
    """Raised inside a template function; the executor reports ``error calling NAME: ...``."""
