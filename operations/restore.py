"""``python -m operations.restore STACK SNAPSHOT [--yes]`` (``scripts/restore``); see upgrade.py."""

from __future__ import annotations

import sys

from operations.cli import restore_main

if __name__ == "__main__":
    sys.exit(restore_main())
