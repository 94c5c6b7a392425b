"""`repositories[]` of every format but Docker: each format's own keys reach the spec, a key that
does not apply to the format and type (or is missing where required) is an issue keyed by it, the
signing secrets must be stack secrets, and the first run asks the server only for the formats it
can see."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest

from components.registry import registry_layout
from dynamic_providers.repositories import FORMATS
from settings import SettingsError, parse_settings
from settings.loading import load_stack_file
from settings.model import RepositorySettings
from tests.settings.test_stack import config

APT_HOSTED: dict[str, Any] = {
    "name": "apt-internal",
    "format": "apt",
    "type": "hosted",
    "distribution": "bookworm",
    "signingKey": "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "signingPassphrase": "pw",
}
APT_PROXY: dict[str, Any] = {
    "name": "debian",
    "format": "apt",
    "type": "proxy",
    "remoteUrl": "http://deb.debian.org/debian",
    "distribution": "bookworm",
    "flat": False,
}


def with_repositories(*repositories: dict[str, Any]) -> dict[str, Any]:
    raw = config()
    raw["repositories"] = list(repositories)
    return raw


def test_every_format_but_docker_can_be_configured() -> None:
    allowed = set(get_args(RepositorySettings.model_fields["format"].annotation))
    assert allowed == set(FORMATS) - {"docker"}  # Docker repositories come from docker and teams


def test_each_format_keeps_its_own_keys() -> None:
    yum = {
        "name": "rpms",
        "format": "yum",
        "type": "hosted",
        "repodataDepth": 2,
        "deployPolicy": "PERMISSIVE",
    }
    nuget = {
        "name": "nuget",
        "format": "nuget",
        "type": "proxy",
        "remoteUrl": "https://api.nuget.org/v3/index.json",
    }
    specs = {
        spec.name: spec
        for spec, _ in registry_layout(
            parse_settings(with_repositories(APT_HOSTED, APT_PROXY, yum, nuget))
        ).repositories
    }
    hosted = specs["apt-internal"]
    assert (hosted.distribution, hosted.signing_key, hosted.signing_passphrase) == (
        "bookworm",
        APT_HOSTED["signingKey"],
        "pw",
    )
    assert (specs["debian"].distribution, specs["debian"].flat) == ("bookworm", False)
    assert (specs["rpms"].repodata_depth, specs["rpms"].deploy_policy) == (2, "PERMISSIVE")
    assert (specs["nuget"].nuget_version, specs["nuget"].query_cache_item_max_age) == ("V3", 3600)


@pytest.mark.parametrize(
    ("repository", "key", "words"),
    [
        ({**APT_HOSTED, "signingKey": None}, "repositories[0].signingKey", "is required for apt hosted"),
        ({**APT_HOSTED, "distribution": None}, "repositories[0].distribution", "is required"),
        ({**APT_HOSTED, "flat": True}, "repositories[0].flat", "applies to apt proxy repositories only"),
        ({**APT_PROXY, "signingKey": "K"}, "repositories[0].signingKey", "not apt proxy"),
        (
            {**APT_PROXY, "type": "group", "remoteUrl": None, "members": ["x"]},
            "repositories[0].type",
            "hosted or proxy",
        ),
        (
            {"name": "r", "format": "raw", "type": "hosted", "repodataDepth": 1},
            "repositories[0].repodataDepth",
            "yum",
        ),
        (
            {"name": "y", "format": "yum", "type": "hosted", "repodataDepth": 9},
            "repositories[0].repodataDepth",
            "5",
        ),
        (
            {"name": "m", "format": "maven2", "type": "group", "members": ["x"], "versionPolicy": "SNAPSHOT"},
            "repositories[0].versionPolicy",
            "maven2 hosted and proxy",
        ),
        ({"name": "x", "format": "docker", "type": "hosted"}, "repositories[0].format", "'maven2'"),
        (
            {"name": "x", "format": "p2", "type": "proxy", "remoteUrl": "https://x"},
            "repositories[0].format",
            "'apt'",
        ),
    ],
)
def test_a_format_key_where_it_does_not_belong_is_refused_by_its_key(
    repository: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(SettingsError) as error:
        parse_settings(with_repositories(repository))
    issues = [issue for issue in error.value.issues if issue.key == key]
    assert issues and words in issues[0].message, error.value.issues
    assert "PGP PRIVATE" not in str(error.value)  # a secret never appears in an error


def test_the_signing_secrets_must_be_stack_secrets(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    entry = (
        "    - name: apt-internal\n      format: apt\n      type: hosted\n      distribution: bookworm\n"
        "      signingKey: {key}\n"
    )
    head = (
        "config:\n  nexus-platform:domain: example.com\n  nexus-platform:nexus:\n    version: 3.77.1\n"
        "  nexus-platform:repositories:\n"
    )
    stack.write_text(head + entry.format(key="in-plain-text"))
    with pytest.raises(SettingsError) as error:
        load_stack_file(stack)
    (issue,) = error.value.issues
    assert issue.key == "repositories[0].signingKey" and "in-plain-text" not in str(error.value)
    assert "pulumi config set --secret --path 'nexus-platform:repositories[0].signingKey'" in issue.message
    stack.write_text(head + entry.format(key="\n        secure: v1:abcdef"))
    assert load_stack_file(stack).repositories[0].signing_key is not None


def test_the_first_run_asks_only_for_the_formats_a_server_shows() -> None:
    cargo = {"name": "crates", "format": "cargo", "type": "proxy", "remoteUrl": "https://index.crates.io/"}
    helm = {"name": "charts", "format": "helm", "type": "hosted"}
    wanted = parse_settings(with_repositories(APT_PROXY, cargo, helm)).server_features()
    assert (
        wanted["format:apt"] == "repositories[0].format" and wanted["format:helm"] == "repositories[2].format"
    )
    assert "format:cargo" not in wanted  # no upload API, no realm: the create finds it missing
