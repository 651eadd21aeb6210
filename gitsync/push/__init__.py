"""Push events from Git hosts and which Applications they concern (pure).

Below both the controller (which refreshes the apps a push touches) and the HTTP server
(which turns webhook deliveries into push events), so neither depends on the other.
"""

from gitsync.push.matching import MANIFEST_GENERATE_PATHS, app_matches_push
from gitsync.push.payloads import BRANCH_PREFIX, TAG_PREFIX, PushEvent, parse_push
from gitsync.push.repourl import normalize_repo_url, same_repo

__all__ = [
    "BRANCH_PREFIX",
    "MANIFEST_GENERATE_PATHS",
    "TAG_PREFIX",
    "PushEvent",
    "app_matches_push",
    "normalize_repo_url",
    "parse_push",
    "same_repo",
]
