"""The access layer's HTTP part (reach/http.py): what a session is made of, the stack's CA file, and
that the tree talks HTTP to Nexus through it only: one session factory, one ``Server`` header
parser (reach/nexus.py), one writer of temporary files (reach/host.py). The tree is read from the
source with :mod:`ast`; the test suite itself is not part of it."""

from __future__ import annotations

import ast
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from requests.adapters import HTTPAdapter

from reach.http import PROXY_VARIABLES, ca_file, new_session
from tests.source_tree import parse
from tests.test_layering import project_modules, top


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*PROXY_VARIABLES, "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# ---------------------------------------------------------------- a session


def test_the_stack_ca_wins_over_the_environment_bundle(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("REQUESTS_CA_BUNDLE", "/environment/bundle.pem")
    assert new_session("https://nexus.test", verify="/stack/ca.pem").verify == "/stack/ca.pem"
    assert new_session("https://nexus.test").verify == "/environment/bundle.pem"
    clean_environment.delenv("REQUESTS_CA_BUNDLE")
    clean_environment.setenv("CURL_CA_BUNDLE", "/environment/curl.pem")
    assert new_session("https://nexus.test").verify == "/environment/curl.pem"


def test_without_a_ca_the_default_trust_store_applies(clean_environment: pytest.MonkeyPatch) -> None:
    assert new_session("https://nexus.test").verify is True
    assert new_session("https://nexus.test", verify=False).verify is False


def test_the_environment_is_read_once_for_the_url(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("HTTP_PROXY", "http://proxy.test:3128")
    clean_environment.setenv("NO_PROXY", "direct.test")
    proxied = new_session("http://nexus.test:8081")
    assert not proxied.trust_env  # requests does not read the environment again per request
    assert proxied.proxies["http"] == "http://proxy.test:3128"
    assert dict(new_session("http://direct.test:8081").proxies) == {}


def test_the_user_agent_names_the_caller(clean_environment: pytest.MonkeyPatch) -> None:
    assert new_session("http://nexus.test").headers["User-Agent"] == "nexus-platform"
    session = new_session("http://nexus.test", caller="operations", headers={"Accept": "application/json"})
    assert session.headers["User-Agent"] == "nexus-platform operations"
    assert session.headers["Accept"] == "application/json"


def test_credentials_and_retries_only_when_asked(clean_environment: pytest.MonkeyPatch) -> None:
    from urllib3.util.retry import Retry  # noqa: PLC0415

    plain = new_session("http://nexus.test")
    assert plain.auth is None
    adapter = plain.get_adapter("http://nexus.test")
    assert isinstance(adapter, HTTPAdapter) and adapter.max_retries.total == 0
    retry = Retry(total=3)
    session = new_session("http://nexus.test", auth=("admin", "pw"), retry=retry)
    assert session.auth == ("admin", "pw")
    for url in ("http://nexus.test", "https://nexus.test"):
        adapter = session.get_adapter(url)
        assert isinstance(adapter, HTTPAdapter) and adapter.max_retries is retry


def test_one_ca_file_per_ca_and_process_only_its_owner_reads() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n"
    path = ca_file(pem)
    assert ca_file(pem) == path
    assert path.endswith(".pem") and Path(path).read_text() == pem
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ca_file(pem.replace("really", "either")) != path


# ---------------------------------------------------------------- the tree


def _tree() -> Iterator[tuple[str, ast.Module]]:
    """Each module of the project outside the test suite, parsed."""
    for name, path in sorted(project_modules().items()):
        if top(name) != "tests":
            yield name, parse(path.read_text(encoding="utf-8"), str(path))


def _where(module: str, tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Every node of ``tree`` with the function (or class) it is in: ``module.function``."""

    def visit(node: ast.AST, scope: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{scope}.{child.name}"
            yield inner, child
            yield from visit(child, inner)

    yield from visit(tree, module)


def _dotted(node: ast.AST) -> str:
    """``requests.Session`` for the expression ``requests.Session`` (empty for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _called(names: set[str]) -> set[str]:
    """Where the tree calls (or subclasses) one of ``names``, by module and function."""
    found = set()
    for module, tree in _tree():
        for scope, node in _where(module, tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in names:
                found.add(scope)
            if isinstance(node, ast.ClassDef) and any(_dotted(base) in names for base in node.bases):
                found.add(scope)
    return found


def _docstrings(tree: ast.Module) -> set[int]:
    return {
        id(body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (body := node.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }


def test_the_tree_makes_its_http_sessions_in_one_place() -> None:
    """Every request to Nexus goes through a session of :func:`reach.http.new_session`: no other
    session, subclass of one, or session-less ``requests.get``."""
    verbs = ("get", "head", "post", "put", "patch", "delete", "options", "request")
    makers = {"requests.Session", "Session", "requests.session", *(f"requests.{verb}" for verb in verbs)}
    assert _called(makers) == {"reach.http.new_session"}


def test_the_tree_parses_the_server_header_in_one_place() -> None:
    """Only reach/nexus.py knows the header's shape (``Nexus/3.71.0-06 (OSS)``): everything else
    asks :func:`reach.nexus.parse_server_header`."""
    knowing = set()
    for module, tree in _tree():
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and id(node) not in docstrings else None
            if isinstance(text, str) and "Nexus/" in text:
                knowing.add(module)
    assert knowing == {"reach.nexus"}


def test_the_tree_writes_temporary_files_in_one_place() -> None:
    """Keys and CAs alike: 0600 and a final newline (:func:`reach.host.write_secret_file`)."""
    makers = {f"tempfile.{name}" for name in ("NamedTemporaryFile", "TemporaryFile", "mkstemp", "mktemp")}
    assert _called(makers) == {"reach.host.write_secret_file"}
