"""docs/adding-a-kind.md shows real code: its module is the stack's content selector kind
(``dynamic_providers/content_selectors.py``, held to the conventions and the contract as every
kind), its example is the one the contract runs, and its command names test paths that exist."""

from __future__ import annotations

import inspect
import re
import shlex
import textwrap
from pathlib import Path

from dynamic_providers import content_selectors
from tests.dynamic_providers import kinds

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "adding-a-kind.md"


def blocks(language: str) -> list[str]:
    """The guide's fenced code blocks in ``language``, dedented (a block in a list is indented)."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```$", GUIDE.read_text(encoding="utf-8"), re.M | re.S)
    return [textwrap.dedent(body) for _, body in found]


def test_the_guides_module_is_the_content_selector_kind() -> None:
    module = Path(inspect.getfile(content_selectors)).read_text(encoding="utf-8")
    assert blocks("python")[0] == module, "docs/adding-a-kind.md: copy dynamic_providers/content_selectors.py"


def test_the_guides_example_is_the_one_the_contract_runs() -> None:
    shown = blocks("python")[1].splitlines()
    assert shown[0] == '"content selector": Example(' and shown[-1] == "),"
    source = textwrap.dedent(inspect.getsource(kinds)).splitlines()
    start = [line.strip() for line in source].index(shown[0])
    ran = [line.strip() for line in source[start + 1 : start + len(shown) - 1]]
    assert [line.strip() for line in shown[1:-1]] == ran, (
        "docs/adding-a-kind.md step 2 differs from the content selector's Example (tests/.../kinds.py)"
    )


def test_the_guides_command_is_the_fast_loop_over_the_unit_and_emulator_layers() -> None:
    """The guide's check is ``scripts/check``: every test that a new kind must pass (the kind
    conventions and contract, the emulator's contract, the layering and test-layout meta-tests,
    the docs) is in its unit and emulator layers, with ruff and mypy before them."""
    (command, *_) = blocks("sh")
    assert shlex.split(command) == ["scripts/check"]
    script = (ROOT / "scripts" / "check").read_text(encoding="utf-8")
    assert re.search(r'pytest -m "\(unit or emulator\)[^"]*" "\$@"', script)
    assert ".venv/bin/mypy" in script and ".venv/bin/ruff check ." in script
