"""The generated blocks of the docs: where the code lives (README.md), the config reference and the
stack outputs (docs/configuration.md).

``python -m tools.readme_tables`` rewrites them; ``tests/test_readme.py`` fails when one is stale.
A package's row is the first paragraph of its ``__init__.py`` docstring; the other rows are
declared here, and the test fails when a top-level entry has no row.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from components.outputs import outputs_markdown
from settings import config_reference_markdown
from tools.coverage import coverage_markdown

ROOT = Path(__file__).resolve().parent.parent

#: Top-level entries that are not part of the layout a reader needs (project metadata).
NOT_LAYOUT = frozenset(
    {"README.md", "CONTRIBUTING.md", "pyproject.toml", "requirements.txt", "requirements-dev.txt"}
)

#: The project's packages, in reading order: each row is its docstring's summary.
PACKAGES = ("settings", "components", "dynamic_providers", "operations", "reach", "tests", "tools")


def package_summary(package: str) -> str:
    """The first paragraph of ``package/__init__.py``'s docstring, on one line, reST roles as code."""
    docstring = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text())) or ""
    paragraph = " ".join(docstring.split("\n\n", 1)[0].split())
    return re.sub(r"(?::\w+:)?``?([^`]+)``?", r"`\1`", paragraph)


def layout_rows() -> list[tuple[tuple[str, ...], str]]:
    """(top-level paths, what lives there), in reading order."""
    declared_before: list[tuple[tuple[str, ...], str]] = [
        (
            ("Pulumi.yaml", "Pulumi.<stack>.yaml"),
            "The project, and one file per environment (dev: local Docker, container-mode HAProxy, one "
            "team; prod: remote VM over SSH, host-mode HAProxy, three teams, LDAP placeholders).",
        ),
        (
            ("__main__.py",),
            "Wiring only: settings -> components -> stack outputs (declared in `components/outputs.py`).",
        ),
    ]
    declared_after: list[tuple[tuple[str, ...], str]] = [
        (
            ("templates/",),
            "Files rendered by the code: HAProxy's config and deploy scripts, the snapshot pieces.",
        ),
        (("scripts/",), "Every command of the README and the runbooks."),
        (
            ("bench/",),
            "The benchmark of preview, up and refresh against the engine's floor (`bench/README.md`; "
            "the decisions it informed: `docs/performance.md`).",
        ),
        (("docs/",), "The pages linked under Documentation below."),
    ]
    packages = [((f"{package}/",), package_summary(package)) for package in PACKAGES]
    return declared_before + packages + declared_after


def layout_markdown() -> str:
    lines = ["| path | what lives there |", "|---|---|"]
    for paths, what in layout_rows():
        lines.append(f"| {', '.join(f'`{path}`' for path in paths)} | {what} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Block:
    """A generated block: the page that holds it (relative to the root) and its generator."""

    page: str
    generate: Callable[[], str]


#: Block name -> where it lives and what generates it.
BLOCKS: dict[str, Block] = {
    "layout": Block("README.md", layout_markdown),
    "config-reference": Block("docs/configuration.md", config_reference_markdown),
    "stack-outputs": Block("docs/configuration.md", outputs_markdown),
    "coverage": Block("docs/coverage.md", coverage_markdown),
}

#: Every page that holds a generated block.
PAGES = tuple(sorted({block.page for block in BLOCKS.values()}))


def block_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.S)


def regenerate(page: str, text: str) -> str:
    """``text`` of ``page`` with each of its generated blocks rewritten from the code."""
    for name, block in BLOCKS.items():
        if block.page == page:
            text = block_pattern(name).sub(lambda m, g=block.generate: m.group(1) + g() + m.group(3), text)  # type: ignore[misc]
    return text


if __name__ == "__main__":
    for page in PAGES:
        path = ROOT / page
        path.write_text(regenerate(page, path.read_text()))
