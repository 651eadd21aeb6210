"""The `gitsync serve` controller: Git polling, reconcile, automated sync, status.

controller = Controller(load_config(...), Metrics())
controller.start()   # workers, scheduler, leader election
...                  # serve controller (a ControllerView) over HTTP
controller.stop()    # finish current steps, release the Lease
"""

from gitsync.controller.config import ControllerConfig, load_config
from gitsync.controller.controller import Controller
from gitsync.controller.status import AppStatus, StatusStore, SyncResult

__all__ = [
    "AppStatus",
    "Controller",
    "ControllerConfig",
    "StatusStore",
    "SyncResult",
    "load_config",
]
