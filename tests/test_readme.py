"""The docs' promises: their generated tables are the code's, their links resolve, the README's test
command is CI's."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from components.outputs import STACK_OUTPUTS
from settings import config_reference_markdown
from tests.source_tree import parse
from tools.readme_tables import BLOCKS, NOT_LAYOUT, PACKAGES, PAGES, block_pattern, layout_rows, regenerate

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

#: Every page whose relative links must resolve.
LINKED_PAGES = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "bench" / "README.md",
        *(ROOT / "docs").rglob("*.md"),
    ]
)

#: Pages a reader meets first, whose tables must stay readable.
FRONT_PAGES = ("README.md", "CONTRIBUTING.md")
MAX_CELL = 300


def block(name: str) -> str:
    page = BLOCKS[name].page
    match = block_pattern(name).search((ROOT / page).read_text())
    assert match, f"{page} has no {name} block"
    return match.group(2)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_generated_block_matches_the_code(name: str) -> None:
    assert block(name) == BLOCKS[name].generate(), (
        f"{BLOCKS[name].page} {name} block is stale: run `.venv/bin/python -m tools.readme_tables` "
        "to regenerate it"
    )


@pytest.mark.parametrize("page", PAGES)
def test_regenerating_an_up_to_date_page_changes_nothing(page: str) -> None:
    text = (ROOT / page).read_text()
    assert regenerate(page, text) == text


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


def test_every_package_is_described_by_its_own_docstring() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages == set(PACKAGES), "README layout: list the package in PACKAGES (tools/readme_tables.py)"
    rows = dict(layout_rows())
    for package in PACKAGES:
        summary = rows[(f"{package}/",)]
        assert summary, f"{package}/__init__.py needs a docstring: its first paragraph is the README row"
        assert len(summary) <= MAX_CELL, f"{package}/__init__.py: shorten the docstring's first paragraph"


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


def _prose(text: str) -> str:
    """``text`` without fenced code blocks and inline code, where a link is not a link."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of the headings of ``page`` (a repeated heading gets -1, -2, ...)."""
    anchors: set[str] = set()
    for heading in re.findall(
        r"^#+ (.+)$", re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M), re.M
    ):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        candidate, count = slug, 0
        while candidate in anchors:
            count += 1
            candidate = f"{slug}-{count}"
        anchors.add(candidate)
    return anchors


@pytest.mark.parametrize("page", LINKED_PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _prose(page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target} (no such heading)")
    assert broken == [], f"{page.relative_to(ROOT)}: broken links {broken}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {
        (ROOT / target.partition("#")[0]).resolve()
        for target in re.findall(r"\]\(([^)\s#]+)[^)\s]*\)", _prose(README))
    }
    pages = {*(ROOT / "docs").glob("*.md"), ROOT / "docs" / "kinds" / "README.md", ROOT / "CONTRIBUTING.md"}
    assert sorted(str(page.relative_to(ROOT)) for page in pages - linked) == [], (
        "link them under Documentation"
    )


@pytest.mark.parametrize("page", FRONT_PAGES)
def test_no_table_cell_is_too_long_to_read(page: str) -> None:
    too_long = [
        cell.strip()[:60] + "..."
        for line in _prose((ROOT / page).read_text()).splitlines()
        if line.startswith("|")
        for cell in line.strip("|").split("|")
        if len(cell.strip()) > MAX_CELL
    ]
    assert too_long == [], f"{page}: table cells longer than {MAX_CELL} characters: {too_long}"


def test_every_section_the_code_cites_exists() -> None:
    """A citation such as ``docs/performance.md, "Lazy imports at program start"`` names a heading."""
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    missing = []
    for path in tracked:
        text = " ".join((ROOT / path).read_text().replace("#", " ").split())
        for page, heading in re.findall(r"(docs/[\w/-]+\.md), \"([^\"]+)\"", text):
            headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(), re.M)
            if heading not in headings:
                missing.append(f"{path}: {page}, {heading!r}")
    assert missing == [], f"cited sections that do not exist: {missing}"


#: Top-level directories whose paths, written in backticks in a page, must exist in the tree.
CHECKED_DIRS = (
    "tests",
    "components",
    "dynamic_providers",
    "operations",
    "reach",
    "settings",
    "tools",
    "scripts",
)


@pytest.mark.parametrize("page", LINKED_PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_repository_path_a_page_names_exists(page: Path) -> None:
    """``tests/settings/`` or ``tests/nexus_emulator/test_*.py`` in a page's text names files that
    exist (a glob must match one), so a moved test or module cannot leave its docs behind."""
    dirs = "|".join(CHECKED_DIRS)
    pattern = rf"`((?:{dirs})/[\w./*-]*)`"
    missing = sorted(
        {
            path
            for path in re.findall(pattern, page.read_text())
            if "<" not in path and "..." not in path and not any(ROOT.glob(path.rstrip("/") or "."))
        }
    )
    assert missing == [], f"{page.relative_to(ROOT)} names paths that do not exist: {missing}"
