"""scripts/check-ldap's failures before the directory answers: one line on stderr, no Python
traceback (no directory needed: the route to it fails)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from operations import ldap_check
from reach.host import ShellError, ShellResult

LDAP = {"host": "ldap.example.com", "searchBase": "dc=example,dc=com", "authScheme": "NONE", "verify": "ssh"}


def test_the_script_says_in_one_line_that_the_tunnel_did_not_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = {"domain": "example.com", "dockerHost": "ssh://deploy@nexus-host", "nexus": {"version": "3.77.1"}}
    path = tmp_path / "Pulumi.check.yaml"
    config = {f"nexus-platform:{key}": value for key, value in {**raw, "ldap": LDAP}.items()}
    path.write_text(yaml.safe_dump({"config": config}))

    @contextmanager
    def failing_route(*_args: Any) -> Iterator[None]:
        tunnel = "the SSH tunnel through ssh://deploy@nexus-host"
        raise ShellError(tunnel, ShellResult(255, "", "ssh: refused"))
        yield

    monkeypatch.setattr(ldap_check, "directory_route", failing_route)
    assert ldap_check.main(["--stack-file", str(path)]) == 2
    assert capsys.readouterr().err == (
        "check-ldap: the SSH tunnel through ssh://deploy@nexus-host failed (exit 255) ssh: refused\n"
    )
