"""`gitsync demo`: a mono-repo synced to two embedded clusters, end to end.

run_demo(DemoOptions(color=False))   # prints the account, returns the exit status
"""

from gitsync.demo.run import DemoOptions, run_demo

__all__ = ["DemoOptions", "run_demo"]
