"""The layer markers: what ``pytest -m unit`` and the others select."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.layers import LAYERS, layers, unavailable

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("parts", "fixtures", "marks", "expected"),
    [
        (["reach", "test_host.py"], ["tmp_path"], [], {"unit"}),
        (["dynamic_providers", "test_lifecycle.py"], ["nexus_emulator"], [], {"emulator"}),
        (["nexus_emulator", "test_contract.py"], [], [], {"emulator"}),
        (["dynamic_providers", "test_conformance.py"], ["nexus"], [], {"emulator"}),
        (["dynamic_providers", "test_conformance.py"], ["nexus"], ["real_nexus"], {"real_nexus"}),
        (["e2e", "test_scenario.py"], ["nexus_emulator"], [], {"engine", "emulator"}),
        (["e2e", "test_real_nexus.py"], ["pulumi_cli"], ["real_nexus"], {"engine", "real_nexus"}),
        (["operations", "test_ldap_check.py"], ["ldap_directory"], [], {"live"}),
        (["components", "test_haproxy_live.py"], ["live"], ["live"], {"live"}),
        (["components", "test_pki.py"], [], ["filterwarnings"], {"unit"}),
    ],
)
def test_layers(parts: list[str], fixtures: list[str], marks: list[str], expected: set[str]) -> None:
    assert layers(parts, fixtures, marks) == expected


def collected(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: nothing selected
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_markers_select_by_layer_as_collected() -> None:
    files = ["tests/reach/test_host.py", "tests/operations/test_smoke.py", "tests/e2e/test_engine_smoke.py"]
    unit = collected("-m", "unit", *files)
    emulator = collected("-m", "emulator", *files)
    engine = collected("-m", "engine", *files)
    assert "tests/reach/test_host.py::test_as_root_wraps_the_script_for_sudo" in unit
    assert "tests/operations/test_smoke.py::test_no_answer_at_all" in unit  # no emulator: port 9
    assert "tests/operations/test_smoke.py::test_writable_wait_is_bounded" in emulator
    assert "tests/e2e/test_engine_smoke.py::test_dynamic_provider_lifecycle" in engine
    assert not [test for test in unit + emulator if test.startswith("tests/e2e/")]
    assert sorted(collected(*files)) == sorted(unit + emulator + engine)  # one layer each here


def test_every_layer_is_a_registered_marker() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert all(f'"{layer}: ' in text for layer in LAYERS)


def test_a_missing_tool_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no haproxy"):
        unavailable("no haproxy")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI: no haproxy"):
        unavailable("no haproxy")
