"""The `gitsync` command line."""
