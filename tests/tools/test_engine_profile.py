"""Reading the engine's CPU profiles (tools/engine_profile.py, the bench's --engine-profile)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tools.engine_profile import EngineCpu, parse_top, profile_file, summarize

# Trimmed from `go tool pprof -top -cum` of a 50-team `up` and of a refresh (engine 3.274.1).
PKG = "github.com/pulumi/pulumi/pkg/v3/backend"
UP_TOP = f"""\
File: pulumi
Type: cpu
Duration: 31.66s, Total samples = 30.79s (97.26%)
Showing nodes accounting for 19.16s, 62.23% of 30.79s total
      flat  flat%   sum%        cum   cum%
         0     0%     0%     20.42s 66.32%  {PKG}.(*SnapshotManager).defaultServiceLoop
         0     0%     0%     20.32s 66.00%  {PKG}.(*SnapshotManager).saveSnapshot
     0.01s 0.032% 0.032%     11.30s 36.70%  {PKG}/diy.(*diySnapshotPersister).Save
"""
REFRESH_TOP = f"""\
Duration: 3.31s, Total samples = 1400ms (42.28%)
Active filters:
   show=SnapshotManager\\).saveSnapshot$
      flat  flat%   sum%        cum   cum%
      60ms  4.29%  4.29%       60ms  4.29%  {PKG}.(*SnapshotManager).saveSnapshot
"""


def test_parse_top_reads_the_total_and_the_checkpoint_row() -> None:
    up = parse_top(UP_TOP)
    assert up == EngineCpu(30.79, 20.32)
    assert up.checkpoint_share == pytest.approx(0.66, abs=0.005)


def test_parse_top_converts_milliseconds() -> None:
    refresh = parse_top(REFRESH_TOP)
    assert refresh.total_seconds == pytest.approx(1.4)
    assert refresh.checkpoint_seconds == pytest.approx(0.06)


def test_a_profile_without_the_function_or_without_samples_counts_zero() -> None:
    assert parse_top(UP_TOP, function="(*Nothing).here") == EngineCpu(30.79, 0.0)
    empty = parse_top("Duration: 278.31us, Total samples = 0 \n")
    assert empty == EngineCpu(0.0, 0.0)
    assert empty.checkpoint_share == 0.0


def test_other_text_is_refused() -> None:
    with pytest.raises(ValueError, match="Total samples"):
        parse_top("go: unknown tool pprof\n")


def test_profile_file_finds_the_file_the_engine_named_with_its_pid(tmp_path: Path) -> None:
    prefix = tmp_path / "ours-20-up"
    assert profile_file(prefix) is None
    assert summarize(prefix) is None
    (tmp_path / "ours-20-up.4242.mem").write_text("")
    (tmp_path / "ours-20-up.4242.cpu").write_text("")
    (tmp_path / "ours-20-upx.4243.cpu").write_text("")  # another operation's prefix
    assert profile_file(prefix) == tmp_path / "ours-20-up.4242.cpu"
    newer = tmp_path / "ours-20-up.999.cpu"  # a later run in the same directory, a smaller pid
    newer.write_text("")
    os.utime(newer, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert profile_file(prefix) == newer
