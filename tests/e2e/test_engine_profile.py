"""The engine's CPU profiles (`pulumi --profiling`) read by tools/engine_profile.py, which the
bench's --engine-profile uses; the parsing itself is tested in tests/tools/test_engine_profile.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.layers import unavailable
from tools.engine_profile import summarize


def test_summarize_reads_a_profile_the_engine_wrote(engine_bin: Path, tmp_path: Path) -> None:
    if shutil.which("go") is None:
        unavailable("no Go toolchain on PATH (go tool pprof)")
    prefix = tmp_path / "version"
    subprocess.run(
        [str(engine_bin / "pulumi"), f"--profiling={prefix}", "version"],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_HOME": str(tmp_path / "home")},
    )
    summary = summarize(prefix)  # raises if pprof's output no longer reads as parse_top expects
    assert summary is not None
    assert summary.checkpoint_seconds == 0.0  # `version` writes no checkpoint
