"""The README's generated tables: the project layout, the stack outputs and the config reference.

``python -m tools.readme_tables`` rewrites them in README.md; ``tests/test_readme.py`` fails when
one is stale. The layout rows are declared here; the files they list (components, templates,
docs) are read from the tree, and the test fails when a top-level entry has no row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from components.outputs import outputs_markdown
from settings import config_reference_markdown

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

#: Top-level entries that are not part of the layout a reader needs (project metadata).
NOT_LAYOUT = frozenset({"README.md", "pyproject.toml", "requirements.txt", "requirements-dev.txt"})


def _names(directory: str, pattern: str, exclude: tuple[str, ...] = ("__init__.py",)) -> str:
    found = sorted(p.name for p in (ROOT / directory).glob(pattern) if p.name not in exclude)
    return ", ".join(f"`{name}`" for name in found)


def _title(page: Path) -> str:
    return page.read_text().splitlines()[0].lstrip("# ").strip()


def _doc_titles() -> str:
    """Each page of docs/ with its title; each folder with the title of its README.md."""
    docs = ROOT / "docs"
    titles = [f"`{page.name}` ({_title(page)})" for page in sorted(docs.glob("*.md"))]
    for folder in sorted(path for path in docs.iterdir() if path.is_dir()):
        readme = folder / "README.md"
        titles.append(f"`{folder.name}/`" + (f" ({_title(readme)})" if readme.is_file() else ""))
    return "; ".join(titles)


def layout_rows() -> list[tuple[tuple[str, ...], str]]:
    """(top-level paths, what lives there), in reading order."""
    return [
        (
            ("Pulumi.yaml", "Pulumi.<stack>.yaml"),
            "the project, and one file per environment (dev: local Docker, container-mode HAProxy, one "
            "team; prod: remote VM over SSH, host-mode HAProxy, three teams, LDAP placeholders)",
        ),
        (
            ("__main__.py",),
            "wiring only: settings -> components -> stack outputs (declared in `components/outputs.py`)",
        ),
        (
            ("settings/",),
            "the stack config, parsed and validated once into typed models; the only place a config rule "
            "lives, every error names its key (`python -m settings` prints the reference): "
            + _names("settings", "*.py", exclude=("__init__.py", "__main__.py"))
            + "; it builds on `reach/` only, save one import: a repository of the config is checked with "
            "the repository kind's own spec (`dynamic_providers/repositories.py`), so that Nexus's rules "
            "for a repository are written once (`tests/test_layering.py`)",
        ),
        (
            ("components/",),
            "one Pulumi ComponentResource per part, each with its typed `XArgs.from_settings`, and the pure "
            "logic they use: " + _names("components", "*.py"),
        ),
        (
            ("dynamic_providers/",),
            "the Nexus REST client (`client.py`), the admin password from the stack config "
            "(`credentials.py`), the generic CRUD provider (`base.py`) and one module per "
            "Nexus kind (`docs/kinds/`, `docs/adding-a-kind.md`); the stack's own checks (first run, "
            "one-way door, deployed version)",
        ),
        (
            ("operations/",),
            "upgrade, rollback and restore logic behind `scripts/upgrade`, `scripts/rollback`, "
            "`scripts/restore`, `scripts/snapshots` (`operations/cli.py`); the LDAP directory check "
            "(`scripts/check-ldap`, and as a step of `up`)",
        ),
        (
            ("reach/",),
            "how the project reaches the Docker host (SSH target, root prefix, temporary secret files, "
            "shell scripts as templates, the command resources that run there: `host.py`, "
            "`host_access.py`) and a Nexus (the one HTTP session factory and the stack's CA file: "
            "`http.py`; the writable wait, version and edition from the `Server` header: `nexus.py`), "
            "Nexus's name rules and versions (`names.py`, `versions.py`); the lowest layer, imported by "
            "the rest and importing none of it",
        ),
        (
            ("templates/",),
            "files rendered by the code: "
            + _names("templates", "*.j2")
            + "; `snapshots/`: the snapshot and restore shell pieces",
        ),
        (
            ("tests/",),
            "mirrors the layout; `tests/nexus_emulator/` is the spec-checked Nexus emulator; `tests/e2e/` "
            "runs the real engine",
        ),
        (
            ("bench/",),
            "benchmark of preview/up/refresh against the emulator and the engine's floor, optionally the "
            "real Nexus core (prints figures; latest in `docs/performance.md`)",
        ),
        (("scripts/",), "every command of this README"),
        (
            ("tools/",),
            "how the toolchain and images are made here: the Pulumi CLI and TLS provider from Go modules "
            "(`pulumi-engine/`, `pulumi-tls/`), the local images (`build_images.py`), the Python language "
            "host (`language_host.py`), these README tables (`readme_tables.py`), the benchmark's floor "
            "shaped like a stack of the project (`shaped_floor.py`), its reading of the engine's CPU "
            "profiles (`engine_profile.py`) and its medians and steady-state rounds (`bench_figures.py`)",
        ),
        (("docs/",), _doc_titles()),
    ]


def layout_markdown() -> str:
    lines = ["| path | what lives there |", "|---|---|"]
    for paths, what in layout_rows():
        lines.append(f"| {', '.join(f'`{path}`' for path in paths)} | {what} |")
    return "\n".join(lines) + "\n"


#: README block name -> its generator.
BLOCKS: dict[str, Callable[[], str]] = {
    "layout": layout_markdown,
    "config-reference": config_reference_markdown,
    "stack-outputs": outputs_markdown,
}


def block_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.S)


def regenerate(text: str) -> str:
    for name, generate in BLOCKS.items():
        text = block_pattern(name).sub(lambda m, g=generate: m.group(1) + g() + m.group(3), text)  # type: ignore[misc]
    return text


if __name__ == "__main__":
    README.write_text(regenerate(README.read_text()))
