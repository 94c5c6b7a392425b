"""Pinning nexus.version in a stack file: one value changes, every other byte stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from operations.stackfile import StackFileError, pin_version, read_version, set_version

STACK = """\
# Production: a remote VM.   version: 9.9.9 in a comment must not be touched
config:
  nexus-platform:domain: registry.example.com
  nexus-platform:docker:
    version: 1.0.0   # not the nexus mapping
  nexus-platform:nexus:
    # pinned release; see the upgrade runbook
    image: sonatype/nexus3
    version: 3.77.1   # the running version
    dataDir: /data/nexus-data
    extra:
      version: 7.7.7
  nexus-platform:teams:
    - name: platform
      releasePort: 16001
"""


def test_only_the_version_line_changes() -> None:
    assert read_version(STACK) == "3.77.1"
    edited = set_version(STACK, "3.80.0-01")
    before, after = STACK.splitlines(), edited.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [8]
    assert after[8] == "    version: 3.80.0-01   # the running version"
    assert read_version(edited) == "3.80.0-01"


@pytest.mark.parametrize("quote", ['"', "'"])
def test_quoting_style_is_kept(quote: str) -> None:
    text = STACK.replace("version: 3.77.1", f"version: {quote}3.77.1{quote}")
    assert f"version: {quote}3.80.0{quote}   #" in set_version(text, "3.80.0")


def test_crlf_line_endings_are_kept() -> None:
    text = STACK.replace("\n", "\r\n")
    edited = set_version(text, "3.80.0")
    assert edited.count("\r\n") == text.count("\r\n")
    assert "version: 3.80.0   # the running version\r\n" in edited


def test_the_repository_stack_files_can_be_pinned(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    for name in ("Pulumi.dev.yaml", "Pulumi.prod.yaml"):
        copy = tmp_path / name
        original = (root / name).read_text()
        copy.write_text(original)
        previous = pin_version(copy, "3.99.0")
        assert previous == read_version(original)
        assert read_version(copy.read_text()) == "3.99.0"
        assert len(copy.read_text().splitlines()) == len(original.splitlines())
        pin_version(copy, previous)
        assert copy.read_text() == original


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config:\n  nexus-platform:nexus: {version: 3.77.1}\n", "flow style"),
        ("config:\n  nexus-platform:nexus:\n    image: x\n", "no version"),
        ("config:\n  nexus-platform:domain: x\n", "no nexus-platform:nexus"),
    ],
)
def test_unexpected_layouts_are_refused(text: str, message: str) -> None:
    with pytest.raises(StackFileError, match=message):
        set_version(text, "3.80.0")


def test_bad_version_is_refused() -> None:
    with pytest.raises(StackFileError):
        set_version(STACK, "3.80.0 # injected")
