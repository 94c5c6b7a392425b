"""Day-2 operations of the Nexus server: snapshots of the data directory, restore, upgrade and rollback.

Pure decision logic and shell-script builders live here, with no Pulumi import at module level, so
they are unit-tested directly; ``python -m operations.cli <tool>`` is the command-line entry point
that ``scripts/upgrade``, ``scripts/rollback``, ``scripts/restore`` and ``scripts/snapshots`` call.
"""
