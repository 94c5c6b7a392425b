"""Read and pin ``nexus-platform:nexus.version`` in a stack file, keeping everything else as is.

A line-based edit (no YAML round trip): only the value of the ``version:`` key directly under the
``nexus-platform:nexus:`` mapping changes; comments, key order, quoting style and every other line
stay byte for byte. Flow-style mappings (``nexus-platform:nexus: {version: ...}``) are refused with
an explanation rather than rewritten.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from reach.errors import NexusPlatformError

NEXUS_KEY = "nexus-platform:nexus"
_KEY_LINE = re.compile(
    r"^(?P<indent>\s*)(?P<key>\"[^\"]*\"|'[^']*'|[^\s#'\"-][^#]*?)\s*:(?=\s|$)(?P<rest>.*)$"
)
_VERSION_LINE = re.compile(
    r"^(?P<lead>\s*version\s*:\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]+)(?P<trail>\s*(#.*)?)$"
)


class StackFileError(NexusPlatformError, ValueError):
    pass


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _find_version_line(lines: list[str]) -> int:
    in_config = False
    config_indent = -1
    for index, line in enumerate(lines):
        if _is_blank_or_comment(line):
            continue
        match = _KEY_LINE.match(line)
        indent = _indent(line)
        if match and indent == 0:
            in_config = match["key"].strip("\"'") == "config"
            config_indent = 0
            continue
        if not in_config or not match or indent <= config_indent:
            continue
        if match["key"].strip("\"'") != NEXUS_KEY:
            continue
        if match["rest"].strip() and not match["rest"].strip().startswith("#"):
            raise StackFileError(
                f"{NEXUS_KEY} is written in flow style on one line; write it as a block mapping "
                "(one key per line) to let the tools pin the version"
            )
        block_indent: int | None = None
        for inner in range(index + 1, len(lines)):
            candidate = lines[inner]
            if _is_blank_or_comment(candidate):
                continue
            inner_indent = _indent(candidate)
            if inner_indent <= indent:
                break
            if block_indent is None:
                block_indent = inner_indent
            if inner_indent == block_indent and _VERSION_LINE.match(candidate):
                return inner
        raise StackFileError(f"no version: key under {NEXUS_KEY}")
    raise StackFileError(f"no {NEXUS_KEY}: mapping under config:")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def read_version(text: str) -> str:
    match = _VERSION_LINE.match(text.splitlines()[_find_version_line(text.splitlines())])
    assert match is not None
    return _unquote(match["value"])


def set_version(text: str, version: str) -> str:
    """The stack file text with ``nexus.version`` set to ``version`` and nothing else changed."""
    if not re.match(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$", version):
        raise StackFileError(f"'{version}' is not a version tag")
    lines = text.splitlines(keepends=True)
    bare = [line.rstrip("\r\n") for line in lines]
    index = _find_version_line(bare)
    match = _VERSION_LINE.match(bare[index])
    assert match is not None
    old = match["value"]
    quote = old[0] if old[0] in "\"'" else ""
    new_line = f"{match['lead']}{quote}{version}{quote}{match['trail']}"
    ending = lines[index][len(bare[index]) :]
    lines[index] = new_line + ending
    result = "".join(lines)
    # The edit must be exactly the intended one: parse both and compare.
    before, after = yaml.safe_load(text), yaml.safe_load(result)
    expected = before
    expected["config"][NEXUS_KEY]["version"] = version
    if after != expected:
        raise StackFileError("editing the version line changed more than nexus.version; edit it by hand")
    return result


def pin_version(path: Path, version: str) -> str:
    """Set the version in the stack file; returns the version it had."""
    text = path.read_text(encoding="utf-8")
    previous = read_version(text)
    if previous != version:
        path.write_text(set_version(text, version), encoding="utf-8")
    return previous
