"""Server-side printing: the meta.k8s.io Table that `kubectl get` asks the API server for."""

from .custom import crd_columns
from .durations import human_duration
from .table import INCLUDE_OBJECT, build_table, content_type, table_version

__all__ = [
    "INCLUDE_OBJECT",
    "build_table",
    "content_type",
    "crd_columns",
    "human_duration",
    "table_version",
]
