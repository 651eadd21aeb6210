"""`gitsync demo`: the controller of `gitsync serve` syncing a mono-repo to two embedded
clusters, end to end: apps in dependency order, then a gated blue-green update.

run_demo(DemoOptions(color=False))   # prints the account, returns the exit status
"""

from gitsync.demo.run import DemoOptions, run_demo

__all__ = ["DemoOptions", "run_demo"]
