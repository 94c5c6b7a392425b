"""Parsing the project's own Python source in tests.

CPython 3.11 before 3.11.8 can fail ``ast.parse`` with ``SystemError: AST constructor recursion
depth mismatch`` when the garbage collector runs finalizers while the tree is being built (the
Python it runs moves the recursion counter the constructor checks; CPython issue gh-106905). It
struck a test at random in a full run; the collector is held off while one file is parsed.
"""

from __future__ import annotations

import ast
import gc


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename)
    finally:
        if enabled:
            gc.enable()
