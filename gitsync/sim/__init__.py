"""The embedded Kubernetes API server emulator (`SimCluster`) and its simulated controllers."""

from .cluster import SimCluster
from .controllers import register_job_action
from .faults import FaultRule
from .records import RequestRecord

__all__ = ["FaultRule", "RequestRecord", "SimCluster", "register_job_action"]
