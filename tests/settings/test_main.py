"""``python -m settings`` prints the configuration reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_settings_prints_the_reference() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "settings"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout == settings.config_reference_markdown()
