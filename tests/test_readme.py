"""The README's promises: its config table is the model's, its test command is CI's."""

from __future__ import annotations

import re
from pathlib import Path

from settings import config_reference_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def block(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert match, f"README has no {name} block"
    return match.group(1)


def test_config_table_matches_the_model() -> None:
    assert block("config-reference") == config_reference_markdown(), (
        "README config table is stale: run `.venv/bin/python -m tests.test_readme` to regenerate it"
    )


def test_every_config_key_is_documented_with_a_description() -> None:
    for line in config_reference_markdown().splitlines()[2:]:
        assert not line.endswith("|  |"), f"config key without a description: {line}"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^\./scripts/\S+", ci, re.M)
    assert commands == ["./scripts/test"]
    assert "./scripts/test    # the whole test suite" in README


def regenerate() -> None:
    text = re.sub(
        r"(<!-- config-reference:start -->\n).*?(<!-- config-reference:end -->)",
        lambda m: m.group(1) + config_reference_markdown() + m.group(2),
        README,
        flags=re.S,
    )
    (ROOT / "README.md").write_text(text)


if __name__ == "__main__":
    regenerate()
