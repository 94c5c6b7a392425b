"""The README's promises: its generated tables are the code's, its test command is CI's."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from components.outputs import STACK_OUTPUTS
from settings import config_reference_markdown
from tests.source_tree import parse
from tools.readme_tables import BLOCKS, NOT_LAYOUT, block_pattern, layout_rows, regenerate

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def block(name: str) -> str:
    match = block_pattern(name).search(README)
    assert match, f"README has no {name} block"
    return match.group(2)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_generated_block_matches_the_code(name: str) -> None:
    assert block(name) == BLOCKS[name](), (
        f"README {name} block is stale: run `.venv/bin/python -m tools.readme_tables` to regenerate it"
    )


def test_regenerating_an_up_to_date_readme_changes_nothing() -> None:
    assert regenerate(README) == README


def test_every_config_key_is_documented_with_a_description() -> None:
    for line in config_reference_markdown().splitlines()[2:]:
        assert not line.endswith("|  |"), f"config key without a description: {line}"


def _top_level_entries() -> set[str]:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    entries = {path.split("/")[0] + ("/" if "/" in path else "") for path in tracked}
    return {entry for entry in entries if not entry.startswith(".") and entry not in NOT_LAYOUT}


def test_layout_has_a_row_for_every_top_level_entry_and_each_row_exists() -> None:
    listed = {path for paths, _ in layout_rows() for path in paths}
    stack_files = {entry for entry in _top_level_entries() if re.fullmatch(r"Pulumi\.\w+\.yaml", entry)}
    assert stack_files, "no stack file found"
    assert _top_level_entries() - stack_files - listed == set(), (
        "README layout: add a row in tools/readme_tables.py"
    )
    for path in listed - {"Pulumi.<stack>.yaml"}:
        assert (ROOT / path).exists(), f"README layout lists {path}, which does not exist"


def _exported_names() -> list[str]:
    """Names ``__main__.py`` exports (every call of export(...) or pulumi.export(...))."""
    names = []
    for node in ast.walk(parse((ROOT / "__main__.py").read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "export":
                assert isinstance(func, ast.Name), (
                    "export through components.outputs.export, not pulumi.export"
                )
                argument = node.args[0]
                assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                names.append(argument.value)
    return names


def test_stack_outputs_declared_are_exactly_those_exported() -> None:
    exported = _exported_names()
    assert len(exported) == len(set(exported)), "an output is exported twice"
    assert sorted(exported) == sorted(output.name for output in STACK_OUTPUTS)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^\./scripts/\S+", ci, re.M)
    assert commands == ["./scripts/test"]
    assert "./scripts/test    # the whole test suite" in README


if __name__ == "__main__":
    (ROOT / "README.md").write_text(regenerate(README))
