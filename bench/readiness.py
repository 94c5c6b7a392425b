"""How soon the first run notices a real Nexus turning writable (issue 12: within 1 s).

Launches a fresh real Nexus core (3.71.0-06 from Maven Central) and, at the same moment, two
waits on its writable status: a reference poll every 50 ms, and the first run's own wait
(``dynamic_providers.first_run.wait_until_writable``, as `up` runs it, polling every 0.5 s). Prints
when Nexus turned writable (the reference's first 200, at most 50 ms late) and how long after that
the first run's wait returned (0.00: both saw the same answer). Repeats with a fresh data
directory each time.

    .venv/bin/python bench/readiness.py --starts 2

This prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from dynamic_providers.first_run import wait_until_writable  # noqa: E402
from reach import nexus  # noqa: E402
from tests.real_nexus.server import RealNexus, fetch_distribution  # noqa: E402

REFERENCE_POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 600.0


def one_start(work: Path) -> tuple[float, float]:
    """(seconds from launch until writable, seconds the first run's wait returned after that)."""
    server = RealNexus(home=fetch_distribution(), data_dir=work / "data")
    reference: list[float] = []

    def poll_reference() -> None:
        ready = nexus.wait_until_writable(
            server.url, TIMEOUT_SECONDS, interval_seconds=REFERENCE_POLL_SECONDS
        )
        if ready.ok:
            reference.append(time.monotonic())

    launched = time.monotonic()
    server.launch()
    try:
        thread = threading.Thread(target=poll_reference, daemon=True)
        thread.start()
        wait_until_writable(server.url, TIMEOUT_SECONDS, report=lambda _: None)
        noticed = time.monotonic()
        thread.join(TIMEOUT_SECONDS)
    finally:
        server.stop()
    if not reference:
        raise RuntimeError("the reference poll never saw Nexus writable")
    return reference[0] - launched, noticed - reference[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=2, help="fresh Nexus starts (default 2)")
    args = parser.parse_args(argv)
    print("| start | writable after launch (s) | first run noticed it after (s) |")
    print("|--:|--:|--:|")
    with tempfile.TemporaryDirectory(prefix="nexus-readiness-") as tmp:
        for start in range(1, args.starts + 1):
            writable, late = one_start(Path(tmp) / f"start-{start}")
            # Both waits can see the same answer; the reference's time is then up to 50 ms late.
            print(f"| {start} | {writable:.1f} | {max(late, 0.0):.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
