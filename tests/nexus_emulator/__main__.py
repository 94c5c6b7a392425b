"""``python -m tests.nexus_emulator --port PORT [...]``: run the emulator in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import sys

from .emulator import NexusEmulator
from .features import DEFAULT_EDITION, DEFAULT_VERSIONS, EDITIONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.nexus_emulator", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--admin-password",
        help="admin password (admin is active); default admin123, "
        "or a random one written to DATA_DIR/admin.password when --data-dir is given",
    )
    parser.add_argument("--data-dir", help="the Nexus data directory (admin.password, blob store paths)")
    parser.add_argument(
        "--version",
        help="version, e.g. 3.93.2-01 (default per edition: "
        + ", ".join(f"{e} {v}" for e, v in DEFAULT_VERSIONS.items())
        + ")",
    )
    parser.add_argument(
        "--edition", default=DEFAULT_EDITION, choices=EDITIONS, help="what the server offers (features.py)"
    )
    parser.add_argument(
        "--startup-seconds",
        type=float,
        default=0.0,
        help="answer 503 with an empty body on every path for this long after start",
    )
    parser.add_argument("--anonymous-disabled", action="store_true", help="start with anonymous access off")
    parser.add_argument(
        "--default-repositories",
        action="store_true",
        help="seed maven-releases/-snapshots/-central/-public like a fresh Nexus",
    )
    parser.add_argument(
        "--system-tasks", action="store_true", help="seed the two tasks a fresh 3.71 core has"
    )
    args = parser.parse_args(argv)
    emulator = NexusEmulator(
        admin_password=args.admin_password,
        data_dir=args.data_dir,
        version=args.version,
        edition=args.edition,
        startup_seconds=args.startup_seconds,
        host=args.host,
        port=args.port,
        anonymous_enabled=not args.anonymous_disabled,
        default_repositories=args.default_repositories,
        system_tasks=args.system_tasks,
    )
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
