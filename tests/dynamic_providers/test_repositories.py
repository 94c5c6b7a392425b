"""The repositories kind: mappers both ways, the round trip, what Nexus normalises, and the provider's
check and diff."""

from __future__ import annotations

from typing import Any, get_args

import pydantic
import pytest

from dynamic_providers import repositories as repos
from dynamic_providers.base import UNKNOWN
from dynamic_providers.repositories import RepositoryProvider, RepositorySpec

CONN = {"url": "http://127.0.0.1:8081", "username": "admin", "password": "pw"}

SPECS = [
    RepositorySpec(
        name="docker-a-release", format="docker", type="hosted", blob_store="docker-a", http_port=18001
    ),
    RepositorySpec(
        name="docker-hub",
        format="docker",
        type="proxy",
        blob_store="docker-hub",
        remote_url="https://registry-1.docker.io",
        index_type="HUB",
    ),
    RepositorySpec(name="docker-all", format="docker", type="group", members=("b", "a"), http_port=18000),
    RepositorySpec(name="maven-releases", format="maven2", type="hosted", write_policy="ALLOW_ONCE"),
    RepositorySpec(
        name="maven-central", format="maven2", type="proxy", remote_url="https://repo1.maven.org/maven2/"
    ),
    RepositorySpec(name="npm-proxy", format="npm", type="proxy", remote_url="https://registry.npmjs.org"),
    RepositorySpec(
        name="raw-proxy",
        format="raw",
        type="proxy",
        remote_url="https://example.com/",
        routing_rule="only-docs",
    ),
    RepositorySpec(name="pypi-group", format="pypi", type="group", members=("pypi-proxy",)),
    RepositorySpec(name="raw-files", format="raw", type="hosted", write_policy="ALLOW"),
    RepositorySpec(
        name="apt-hosted",
        format="apt",
        type="hosted",
        distribution="bookworm",
        signing_key="KEY",
        signing_passphrase="pw",
    ),
    RepositorySpec(
        name="apt-proxy",
        format="apt",
        type="proxy",
        remote_url="http://deb.debian.org/debian",
        distribution="bookworm",
    ),
    RepositorySpec(name="yum-hosted", format="yum", type="hosted", repodata_depth=2),
    RepositorySpec(name="yum-group", format="yum", type="group", members=("yum-hosted",), signing_key="KEY"),
    RepositorySpec(
        name="nuget-proxy", format="nuget", type="proxy", remote_url="https://api.nuget.org/v3/index.json"
    ),
    RepositorySpec(name="cargo-group", format="cargo", type="group", members=("cargo-proxy",)),
    RepositorySpec(name="conan-proxy", format="conan", type="proxy", remote_url="https://center2.conan.io"),
    RepositorySpec(name="helm-hosted", format="helm", type="hosted"),
    RepositorySpec(name="lfs", format="gitlfs", type="hosted"),
    RepositorySpec(name="pods", format="cocoapods", type="proxy", remote_url="https://cdn.cocoapods.org/"),
]
# The formats' write-only secrets: never in a GET body (the real core answers the apt keypair,
# the provider does not rely on it).
WRITE_ONLY = ("signing_key", "signing_passphrase")


def as_get_body(spec: RepositorySpec) -> dict[str, Any]:
    """What GET returns: the request body plus format/type/url, write-only fields nulled, the
    routing rule under its answer's name."""
    body = repos.to_api(spec)
    if "routingRule" in body:
        body["routingRuleName"] = body.pop("routingRule")
    body.update(format=spec.format, type=spec.type, url=f"http://nexus/repository/{spec.name}")
    if "httpClient" in body and body["httpClient"]["authentication"]:
        body["httpClient"]["authentication"]["password"] = None
    for section in ("aptSigning", "yumSigning"):
        if section in body:
            body[section] = {"keypair": None, "passphrase": None}
    return body


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_repository_round_trip(spec: RepositorySpec) -> None:
    secrets = {name: getattr(spec, name) for name in WRITE_ONLY}  # carried from the inputs
    assert RepositorySpec.model_validate({**repos.from_api(as_get_body(spec)), **secrets}) == spec


def test_apt_bodies_match_the_api() -> None:
    hosted, proxy = (repos.to_api(spec) for spec in SPECS if spec.format == "apt")
    assert hosted["apt"] == {"distribution": "bookworm"}
    assert hosted["aptSigning"] == {"keypair": "KEY", "passphrase": "pw"}
    assert proxy["apt"] == {"distribution": "bookworm", "flat": False} and "aptSigning" not in proxy


def test_each_format_sends_its_own_sections_with_the_defaults_nexus_would_fill_in() -> None:
    by_name = {spec.name: repos.to_api(spec) for spec in SPECS}
    assert by_name["yum-hosted"]["yum"] == {"repodataDepth": 2, "deployPolicy": "STRICT"}
    assert by_name["yum-group"]["yumSigning"] == {"keypair": "KEY", "passphrase": None}
    assert by_name["nuget-proxy"]["nugetProxy"] == {"nugetVersion": "V3", "queryCacheItemMaxAge": 3600}
    assert by_name["cargo-group"]["cargo"] == {"requireAuthentication": False}
    assert by_name["conan-proxy"]["conanProxy"] == {"conanVersion": "V1"}
    plain = {"name", "online", "storage", "cleanup", "proxy", "negativeCache", "httpClient", "routingRule"}
    for name in ("helm-hosted", "lfs", "pods", "npm-proxy"):
        assert set(by_name[name]) <= plain


def test_the_format_names_are_the_table_s() -> None:
    assert set(get_args(repos.Format)) == set(repos.FORMATS)


def test_the_url_segment_comes_from_the_format_table() -> None:
    provider = RepositoryProvider()
    assert provider.path_fields({"format": "maven2", "type": "group"}) == {
        "api_format": "maven",
        "type": "group",
    }
    assert provider.path_fields({"format": "gitlfs", "type": "hosted"}) == {
        "api_format": "gitlfs",
        "type": "hosted",
    }


def test_formats_the_first_run_can_see_and_the_ones_only_a_create_finds_missing() -> None:
    assert repos.format_feature("apt") == "format:apt" and repos.format_feature("docker") == "format:docker"
    # no upload API and no realm: nothing to read before a write
    assert [f for f in ("cargo", "cocoapods", "conan", "gitlfs") if repos.format_feature(f)] == []


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (
            {"format": "apt", "type": "hosted", "distribution": "bookworm"},
            "signing_key",
            "is required for apt hosted",
        ),
        ({"format": "apt", "type": "hosted", "signing_key": "K"}, "distribution", "is required"),
        (
            {"format": "apt", "type": "group", "members": ["a"]},
            "type",
            "apt repositories are hosted or proxy",
        ),
        (
            {"format": "gitlfs", "type": "proxy", "remote_url": "https://x"},
            "type",
            "gitlfs repositories are hosted",
        ),
        (
            {"format": "apt", "type": "hosted", "distribution": "b", "signing_key": "K", "flat": True},
            "flat",
            "flat applies to apt proxy repositories only, not apt hosted",
        ),
        (
            {"format": "raw", "type": "hosted", "repodata_depth": 1},
            "repodata_depth",
            "yum hosted repositories only",
        ),
        (
            {"format": "yum", "type": "hosted", "repodata_depth": 6},
            "repodata_depth",
            "less than or equal to 5",
        ),
        (
            {"format": "yum", "type": "hosted", "signing_key": "K"},
            "signing_key",
            "apt hosted, yum proxy and group",
        ),
        (
            {"format": "maven2", "type": "hosted", "v1_enabled": True},
            "v1_enabled",
            "docker repositories only",
        ),
        (
            {"format": "docker", "type": "hosted", "index_type": "HUB"},
            "index_type",
            "docker proxy repositories",
        ),
        (
            {"format": "nuget", "type": "proxy", "remote_url": "https://x", "nuget_version": "V4"},
            "nuget_version",
            "V3",
        ),
        (
            {"format": "apt", "type": "proxy", "remote_url": "https://x", "distribution": "a b"},
            "distribution",
            "match",
        ),
    ],
)
def test_format_fields_are_refused_naming_the_field(fields: dict[str, Any], field: str, words: str) -> None:
    result = RepositoryProvider().check({}, {"connection": CONN, "name": "r", **fields})
    assert [f.property for f in result.failures] == [field]
    assert words in result.failures[0].reason


def test_format_field_enums_are_compared_uppercase() -> None:
    spec = RepositorySpec(name="n", format="nuget", type="proxy", remote_url="https://x", nuget_version="v2")  # type: ignore[arg-type]
    assert spec.nuget_version == "V2"


def test_docker_hosted_body_matches_the_api() -> None:
    body = repos.to_api(SPECS[0])
    assert body == {
        "name": "docker-a-release",
        "online": True,
        "storage": {
            "blobStoreName": "docker-a",
            "strictContentTypeValidation": True,
            "writePolicy": "ALLOW_ONCE",
        },
        "cleanup": None,
        "docker": {"v1Enabled": False, "forceBasicAuth": True, "httpPort": 18001, "httpsPort": None},
    }


def test_a_proxy_names_its_routing_rule() -> None:
    (raw_proxy,) = (spec for spec in SPECS if spec.routing_rule)
    assert repos.to_api(raw_proxy)["routingRule"] == "only-docs"
    assert repos.to_api(SPECS[1])["routingRule"] is None  # sent as null


def test_group_members_keep_their_order() -> None:
    assert repos.to_api(SPECS[2])["group"] == {"memberNames": ["b", "a"]}


def test_enums_are_compared_uppercase() -> None:
    spec = RepositorySpec(name="r", format="raw", type="hosted", write_policy="allow_once")  # type: ignore[arg-type]
    assert spec.write_policy == "ALLOW_ONCE"
    body = as_get_body(spec)
    body["storage"]["writePolicy"] = "allow_once"  # Nexus echoes what it was sent
    assert RepositorySpec.model_validate(repos.from_api(body)) == spec


def test_cleanup_policies_are_a_set() -> None:
    one = RepositorySpec(name="r", format="raw", type="hosted", cleanup_policies=("b", "a"))
    two = RepositorySpec(name="r", format="raw", type="hosted", cleanup_policies=("a", "b"))
    assert one == two


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": "Docker-A", "format": "docker", "type": "hosted"}, "lowercase"),
        ({"name": "_x", "format": "raw", "type": "hosted"}, "may not start"),
        ({"name": "p", "format": "docker", "type": "proxy"}, "remote_url is required"),
        ({"name": "g", "format": "docker", "type": "group"}, "at least one"),
        ({"name": "g", "format": "raw", "type": "group", "members": ["g"]}, "cannot contain itself"),
        (
            {"name": "h", "format": "raw", "type": "hosted", "routing_rule": "r"},
            "apply to proxies, not hosted",
        ),
        (
            {"name": "h", "format": "docker", "type": "group", "members": ["a"], "write_policy": "ALLOW"},
            "hosted",
        ),
        ({"name": "h", "format": "npm", "type": "hosted", "http_port": 18000}, "docker repositories only"),
        ({"name": "h", "format": "docker", "type": "hosted", "http_port": 1, "https_port": 1}, "different"),
        ({"name": "h", "format": "docker", "type": "hosted", "http_port": 70000}, "less than or equal"),
        ({"name": "h", "format": "docker", "type": "hosted", "write_policy": "SOMETIMES"}, "ALLOW"),
        ({"name": "h", "format": "p2", "type": "hosted"}, "docker"),
        ({"name": "h", "format": "raw", "type": "hosted", "colour": "red"}, "Extra inputs"),
    ],
)
def test_bad_repository_input_is_refused(fields: dict[str, Any], words: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=words):
        RepositorySpec.model_validate(fields)


def test_check_names_the_field() -> None:
    result = RepositoryProvider().check(
        {}, {"connection": CONN, "name": "r", "format": "raw", "type": "hosted", "http_port": "many"}
    )
    assert [(f.property, "integer" in f.reason) for f in result.failures] == [("http_port", True)]


def test_check_requires_connection() -> None:
    result = RepositoryProvider().check({}, {"name": "r", "format": "raw", "type": "hosted"})
    assert [f.property for f in result.failures] == ["connection"]


def test_check_defers_unknown_inputs_to_up() -> None:
    result = RepositoryProvider().check(
        {}, {"connection": CONN, "name": UNKNOWN, "format": "raw", "type": "hosted"}
    )
    assert result.failures == []


def props(spec: pydantic.BaseModel, **extra: Any) -> dict[str, Any]:
    return {**spec.model_dump(), "connection": CONN, "adopt": False, **extra}


def test_diff_is_field_by_field_with_replace_keys() -> None:
    provider = RepositoryProvider()
    old = SPECS[0]
    same = provider.diff("id", props(old), props(old))
    assert same.changes is False
    policy = provider.diff("id", props(old), props(old.model_copy(update={"write_policy": "ALLOW"})))
    assert policy.changes is True and policy.replaces == []
    moved = provider.diff("id", props(old), props(old.model_copy(update={"blob_store": "other"})))
    assert moved.replaces == ["blob_store"] and moved.delete_before_replace


def test_diff_ignores_engine_and_control_noise() -> None:
    provider = RepositoryProvider()
    olds = props(SPECS[0], __provider="old-blob")
    news = props(SPECS[0], __provider="new-blob")
    assert provider.diff("id", olds, news).changes is False


def test_new_credentials_are_an_update_without_replace() -> None:
    provider = RepositoryProvider()
    news = props(SPECS[0])
    news["connection"] = {**CONN, "password": "rotated"}
    result = provider.diff("id", props(SPECS[0]), news)
    assert result.changes is True and result.replaces == []


AUTHENTICATED_PROXY = RepositorySpec(
    name="maven-private",
    format="maven2",
    type="proxy",
    remote_url="https://maven.example.test/releases/",
    remote_username="reader",
    remote_password="s3cret",
    remote_ntlm_host="nexus-host",
    remote_ntlm_domain="CORP",
    use_trust_store=True,
)


def test_a_proxy_with_ntlm_and_the_trust_store_round_trips_without_the_password() -> None:
    http_client = repos.to_api(AUTHENTICATED_PROXY)["httpClient"]
    assert http_client["connection"] == {"useTrustStore": True}
    assert http_client["authentication"] == {
        "type": "ntlm",
        "username": "reader",
        "password": "s3cret",
        "ntlmHost": "nexus-host",
        "ntlmDomain": "CORP",
    }
    read = repos.from_api(as_get_body(AUTHENTICATED_PROXY))
    assert read.get("remote_password") is None  # write-only: the base carries it from the inputs
    assert RepositorySpec.model_validate({**read, "remote_password": "s3cret"}) == AUTHENTICATED_PROXY


def test_basic_authentication_is_the_username_type() -> None:
    spec = AUTHENTICATED_PROXY.model_copy(update={"remote_ntlm_host": None, "remote_ntlm_domain": None})
    assert repos.to_api(spec)["httpClient"]["authentication"]["type"] == "username"


def test_a_login_changed_outside_the_stack_reads_as_drift_not_as_an_error() -> None:
    """The password is carried from the inputs (write-only): a login removed in the UI, or one
    added where the stack has none, must still read back as a spec that shows the change."""
    removed = as_get_body(AUTHENTICATED_PROXY)
    removed["httpClient"]["authentication"] = None
    read = RepositorySpec.model_validate({**repos.from_api(removed), "remote_password": "s3cret"})
    assert read.remote_username is None and read != AUTHENTICATED_PROXY
    plain = RepositorySpec(name="p", format="raw", type="proxy", remote_url="https://x.test/")
    added = as_get_body(plain)
    added["httpClient"]["authentication"] = {"type": "username", "username": "someone", "password": None}
    assert RepositorySpec.model_validate(repos.from_api(added)).remote_username == "someone"


def test_the_trust_store_applies_to_proxies_only() -> None:
    with pytest.raises(pydantic.ValidationError, match="apply to proxies, not hosted"):
        RepositorySpec(name="h", format="raw", type="hosted", use_trust_store=True)
