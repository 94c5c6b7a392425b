"""The one config error: every problem at once, each naming its key, no secret value in it, and
raised by the settings package only."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import SettingsError, parse_settings
from tests.settings.test_stack import config

ROOT = Path(__file__).resolve().parents[2]


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(config(domain="Bad_Domain", **{"nexus.version": "latest"}))
    keys = {issue.key for issue in caught.value.issues}
    assert keys == {"domain", "nexus.version"}


def test_secret_values_never_appear_in_errors() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(config(adminPassword=12345678, **{"certificate.privateKeyPem": 987654}))
    assert "12345678" not in str(caught.value)
    assert "987654" not in str(caught.value)


def test_config_errors_are_raised_by_settings_only() -> None:
    """Components and the program get already-valid settings: none of them raises a config error."""
    sources = [ROOT / "__main__.py", *sorted((ROOT / "components").rglob("*.py"))]
    raisers = [path.relative_to(ROOT) for path in sources if "SettingsError" in path.read_text()]
    assert raisers == []
