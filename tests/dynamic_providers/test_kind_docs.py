"""Each kind's generated page (docs/kinds/) is its declarations, as the config table is the model's."""

from __future__ import annotations

from dynamic_providers.kinds import DOCS, KIND_MODULES, pages


def test_kind_pages_match_the_declarations() -> None:
    expected = pages()
    on_disk = {path.name: path.read_text() for path in DOCS.glob("*.md")}
    stale = sorted(
        name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name)
    )
    assert stale == [], f"docs/kinds is stale ({stale}): run `.venv/bin/python -m dynamic_providers.kinds`"


def test_every_kind_has_a_page_listing_every_field() -> None:
    expected = pages()
    assert len(expected) == len(KIND_MODULES) + 1  # and the index
    for module in KIND_MODULES:
        text = expected[module.__name__.rsplit(".", 1)[-1] + ".md"]
        spec = next(
            v
            for v in vars(module).values()
            if getattr(v, "__module__", None) == module.__name__ and hasattr(v, "model_fields")
        )
        assert all(f"| `{name}` |" in text for name in spec.model_fields), module.__name__
