"""gitsync: a small, single-process GitOps sync engine that speaks Argo CD's YAML."""

__version__ = "0.1.0"
