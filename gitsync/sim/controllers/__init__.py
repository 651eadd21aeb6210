"""Simulated controllers that move object status the way real ones would."""

from .base import ACTION, DURATION, FAIL, READY_AFTER, Controller, ControllerContext
from .job import JOB_ACTIONS, register_job_action
from .manager import Controllers

__all__ = [
    "ACTION",
    "DURATION",
    "FAIL",
    "JOB_ACTIONS",
    "READY_AFTER",
    "Controller",
    "ControllerContext",
    "Controllers",
    "register_job_action",
]
