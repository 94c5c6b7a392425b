"""CSEL as the emulator parses and applies it: what the core refused (docs/nexus-behaviour.md) is
refused with its words, and an expression matches the paths the core's selectors matched."""

from __future__ import annotations

import pytest

from tests.nexus_emulator.csel import CselError, compile_csel

RAW = {"format": "raw"}


@pytest.mark.parametrize(
    ("expression", "path", "matches"),
    [
        ('format == "raw" and path =^ "/team-a/"', "/team-a/app.txt", True),
        ('format == "raw" and path =^ "/team-a/"', "/team-b/app.txt", False),
        ('format == "raw" and path =^ "/team-a/"', "/team-a.txt", False),
        ("format == 'raw' && (path == '/v2/' || path =^ '/v2/team-a/')", "/v2/", True),
        ("format == 'raw' && (path == '/v2/' || path =^ '/v2/team-a/')", "/v2/team-b/x", False),
        ('path =~ "/b/.*"', "/b/c/d", True),
        ('path =~ "/b/"', "/b/c", False),  # the whole path, as Java's matches()
        ('format != "maven2"', "/x", True),
        ('format == "maven2" or path == "/x"', "/x", True),
    ],
)
def test_an_expression_matches_as_the_core_applies_it(expression: str, path: str, matches: bool) -> None:
    assert compile_csel(expression)({**RAW, "path": path}) is matches


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("format == ", "parsing error in '' at line 1 column 9"),
        ('path =^ "/a/', "tokenization error in '\"/a/' at line 1 column 13"),
        ('path =^ "/a/" and nosuch == "x"', "Invalid identifier nosuch, expected one of [format, path]"),
        ("path =^ '/a/' and !path == 'x'", "Expression not supported in CSEL selector"),
    ],
)
def test_what_the_core_refuses_is_refused_with_its_words(expression: str, words: str) -> None:
    with pytest.raises(CselError) as refused:
        compile_csel(expression)
    assert str(refused.value).startswith(words)
