"""CSEL, the content selector expression language (a small JEXL), as the core parses and applies it.

Identifiers ``format`` and ``path``; ``==``, ``!=``, ``=^`` (starts with), ``=~`` (regular
expression over the whole value); ``and``/``&&``, ``or``/``||`` and parentheses; string literals
in single or double quotes. Observed on 3.71.0-06 (docs/nexus-behaviour.md): a selector whose
expression does not parse is refused with ``Invalid CSEL: ...`` keyed ``HelperBean.expression``,
and an unknown identifier with ``Invalid identifier nosuch, expected one of [format, path]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

IDENTIFIERS = ("format", "path")
OPERATORS = ("==", "!=", "=^", "=~")
_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"[^"]*"|'[^']*')|(?P<op>==|!=|=\^|=~|&&|\|\||\(|\)|!)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"""
)

Matcher = Callable[[Mapping[str, str]], bool]


class CselError(ValueError):
    """An expression the core refuses; the message is Nexus's, after ``Invalid CSEL: ``."""


def _tokens(expression: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while expression[position:].strip():
        match = _TOKEN.match(expression, position)
        if match is None or match.lastgroup is None:
            # observed: an unclosed quote; the column is the end of the expression
            rest, end = expression[position:].strip(), len(expression) + 1
            raise CselError(f"tokenization error in '{rest}' at line 1 column {end}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "word" and value.lower() in ("and", "or"):
            kind, value = "op", "&&" if value.lower() == "and" else "||"
        tokens.append((kind, value, match.start(kind) + 1))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.index = 0

    def fail(self, column: int) -> CselError:
        return CselError(f"parsing error in '' at line 1 column {column}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            # observed: "format == " fails at column 9, the last character of the last token
            _, last, column = self.tokens[-1]
            raise self.fail(column + len(last) - 1)
        self.index += 1
        return token

    def parse(self) -> Matcher:
        if not self.tokens:
            raise self.fail(1)
        matcher = self.disjunction()
        if self.peek() is not None:
            raise self.fail(self.take()[2])
        return matcher

    def disjunction(self) -> Matcher:
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token[1] == "||":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda facts: any(part(facts) for part in parts)

    def conjunction(self) -> Matcher:
        parts = [self.term()]
        while (token := self.peek()) is not None and token[1] == "&&":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else lambda facts: all(part(facts) for part in parts)

    def term(self) -> Matcher:
        kind, value, column = self.take()
        if value == "(":
            inner = self.disjunction()
            if self.take()[1] != ")":
                raise self.fail(column)
            return inner
        if value == "!":
            # observed: "Expression not supported in CSEL selector in '<the expression as the core
            # writes it back>' at line 1 column N" (unconfirmed: that rewriting, and the column)
            raise CselError(
                f"Expression not supported in CSEL selector in '{self.expression}' at line 1 column {column}"
            )
        if kind != "word":
            raise self.fail(column)
        if value not in IDENTIFIERS:
            raise CselError(
                f"Invalid identifier {value}, expected one of [{', '.join(IDENTIFIERS)}] in "
                f"'{self.expression}' at line 1 column {column}"
            )
        _, operator, op_column = self.take()
        literal_kind, literal, literal_column = self.take()
        if operator not in OPERATORS or literal_kind != "string":
            raise self.fail(op_column if operator not in OPERATORS else literal_column)
        text = literal[1:-1]
        if operator == "==":
            return lambda facts: facts.get(value) == text
        if operator == "!=":
            return lambda facts: facts.get(value) != text
        if operator == "=^":
            return lambda facts: str(facts.get(value, "")).startswith(text)
        try:
            pattern = re.compile(text)
        except re.error as error:
            # observed: "Unclosed character class in 'path =~ '[a'' at line 1 column 9" (Java's words)
            raise CselError(f"{error} in '{self.expression}' at line 1 column {literal_column}") from None
        return lambda facts: pattern.fullmatch(str(facts.get(value, ""))) is not None


def compile_csel(expression: str) -> Matcher:
    """A matcher over ``{"format": ..., "path": ...}``; :class:`CselError` if the core refuses it."""
    return _Parser(expression).parse()
