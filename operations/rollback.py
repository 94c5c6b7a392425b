"""``python -m operations.rollback STACK [SNAPSHOT] [--yes]`` (``scripts/rollback``); see upgrade.py."""

from __future__ import annotations

import sys

from operations.cli import rollback_main

if __name__ == "__main__":
    sys.exit(rollback_main())
