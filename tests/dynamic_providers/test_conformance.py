"""One conformance suite, two backends: every kind the open-source core has, on the emulator and on
the real Nexus (3.71.0-06, started once per session; see tests/real_nexus).

Per kind: create, a no-change apply (no request at all), drift made over REST found by read and
repaired by the next apply, an out-of-band delete (read says gone, a changed stack gets the
refresh advice, delete is a success), and the error cases. What the core lacks (Docker, LDAP,
task create) is shown to fail clearly on the real server and still runs on the emulator.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from components.access import team_paths
from dynamic_providers.anonymous import AnonymousAccessProvider
from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.capabilities import read_capabilities
from dynamic_providers.client import Connection, NexusClient
from dynamic_providers.content_selectors import ContentSelectorProvider
from dynamic_providers.email_server import EmailServerProvider
from dynamic_providers.exceptions import ProviderError, RefusedError, UnauthorizedError
from dynamic_providers.first_run import FirstRunProvider
from dynamic_providers.ldap import LdapServerProvider
from dynamic_providers.privileges import PrivilegeProvider
from dynamic_providers.realms import DOCKER_TOKEN_REALM, RealmsProvider, active_realms
from dynamic_providers.repositories import API_FORMAT, EVERY_REPOSITORY, RepositoryProvider
from dynamic_providers.roles import EVERY_ROLE, RoleProvider, RoleSpec, repository_view_privileges
from dynamic_providers.routing_rules import RoutingRuleProvider
from dynamic_providers.tasks import TaskProvider
from dynamic_providers.truststore import TrustedCertificateProvider
from dynamic_providers.users import UserProvider
from settings import parse_settings
from settings.model import SHARED_DOCKER_REPOSITORY
from tests.components.haproxy_helpers import make_test_pki
from tests.dynamic_providers.drive import LDAP_SERVER, apply, checked, create, refresh
from tests.layers import unavailable
from tests.real_nexus.backend import Backend
from tests.real_nexus.server import free_port
from tests.settings.test_stack import config
from tests.signing_keys import SigningKey, make_signing_key, signed_by
from tests.smtp_sink import SmtpSink


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A short suffix per test: one real Nexus is shared by every test of the session."""
    return hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:6]


def props(nexus: Backend, **fields: Any) -> dict[str, Any]:
    return {"connection": nexus.connection(), "adopt": False, **fields}


def user_with_role(nexus: Backend, user_id: str, role: str) -> tuple[str, str]:
    """A local user holding one role; its login (user, password) for content requests."""
    password = f"{user_id}-pw"
    user = {
        "user_id": user_id,
        "first_name": "a",
        "last_name": "b",
        "email_address": f"{user_id}@example.org",
    }
    create(UserProvider(), props(nexus, **user, password=password, roles=[role]))
    return user_id, password


def settled(
    nexus: Backend, provider: Any, object_id: str, outs: dict[str, Any], wanted: dict[str, Any]
) -> None:
    """Re-applying makes no call, and a refresh reads back exactly what the stack recorded: `create`
    records the spec Nexus took without reading it back, so this is where that is proven."""
    nexus.clear_log()
    assert apply(provider, object_id, outs, wanted)[0] == "same"
    assert nexus.count_reads() + nexus.count_writes() == 0
    read = refresh(provider, object_id, outs)
    assert read.id == object_id and read.outs is not None
    fields = provider.spec_model.model_fields
    recorded = {k: v for k, v in outs.items() if k in fields}
    assert {k: v for k, v in read.outs.items() if k in fields} == recorded


# ---------------------------------------------------------------- what the server offers


def test_capabilities_are_read_from_the_server(nexus: Backend) -> None:
    with NexusClient(Connection(nexus.url, "admin", nexus.admin_password)) as client:
        capabilities = read_capabilities(client)
    assert {"format:maven2", "format:raw"} <= capabilities.features
    if nexus.kind == "real":
        assert capabilities.server.describe() == "Nexus/3.71.0-06 (OSS)"
        assert capabilities.server.is_open_source
        lacking = {
            "format:docker",
            "format:npm",
            "format:pypi",
            "ldap",
            "task-create",
            "eula",
            "cleanup-policies",
            "http-settings",  # GET /v1/http: 404 on 3.71.0-06
        }
        assert not lacking & capabilities.features
        assert not capabilities.task_schedules_in_get
    else:
        assert capabilities.server.edition == "COMMUNITY"
        assert {"format:docker", "ldap", "task-create", "task-schedules-in-get"} <= capabilities.features
        assert not capabilities.has("cleanup-policies")
        assert not capabilities.has("http-settings")  # Community 3.93: Pro only
    assert nexus.count_writes() == 0


def first_run_refusal(nexus: Backend, required_features: dict[str, str]) -> list[str]:
    """The lines of the first run's refusal of a stack that needs ``required_features`` (feature
    -> config key), with the request log cleared before it."""
    nexus.clear_log()
    with pytest.raises(ProviderError) as caught:
        FirstRunProvider().create(
            {
                "url": nexus.url,
                "admin_password": nexus.admin_password,
                "data_dir": nexus.data_dir,
                "required_features": required_features,
                "wait_timeout_seconds": 60,
            }
        )
    return str(caught.value).splitlines()


def test_a_stack_asking_for_a_missing_feature_fails_before_any_write_but_anonymous_off(
    nexus: Backend,
) -> None:
    """Before any write but one: anonymous access off, the server not yet being the stack's."""
    wanted = {
        "format:docker": "docker.enabled",
        "ldap": "ldap",
        "task-create": "nexus.manageTasks",
        "cleanup-policies": "retention.releaseDays",
    }
    absent = [feature for feature in wanted if not nexus.has(feature)]
    *lines, closed = first_run_refusal(nexus, wanted)
    assert len(lines) == len(absent)
    for feature, line in zip(absent, lines, strict=True):
        assert line.startswith(f"nexus-platform:{wanted[feature]} needs "), line
    if nexus.kind == "real":
        assert all("which Nexus/3.71.0-06 (OSS) does not have:" in line for line in lines)
        assert "set docker.enabled: false" in lines[0]
    assert closed.startswith(("Anonymous access was on and has been switched off", "Anonymous access is off"))
    writes = [(r.method, r.path) for r in nexus.requests() if r.write]
    assert writes in ([], [("PUT", "/service/rest/v1/security/anonymous")])
    assert nexus.get("/v1/security/anonymous")["enabled"] is False


def test_http_proxy_settings_are_refused_by_name_where_the_server_has_no_api(nexus: Backend) -> None:
    """`httpProxy` needs /v1/http (Pro): the core (404 on 3.71.0-06) and Community 3.93 lack it, and
    the first run says so naming the key, with nothing written but anonymous access off."""
    assert not nexus.has("http-settings")
    line, _closed = first_run_refusal(nexus, {"http-settings": "httpProxy"})
    assert line.startswith("nexus-platform:httpProxy needs the outbound HTTP settings API, which ")
    assert line.endswith("or remove httpProxy and set the proxy in the UI (System > HTTP)")
    writes = [(r.method, r.path) for r in nexus.requests() if r.write]
    assert writes in ([], [("PUT", "/service/rest/v1/security/anonymous")])


# ---------------------------------------------------------------- blob stores


def test_blob_store_lifecycle(nexus: Backend, unique: str) -> None:
    provider = FileBlobStoreProvider()
    name = f"conf-{unique}"
    object_id, outs = create(provider, props(nexus, name=name))
    assert object_id == name and outs["path"] == name
    assert nexus.get(f"/v1/blobstores/file/{name}")["path"] == name
    settled(nexus, provider, object_id, outs, props(nexus, name=name))

    quota = {"soft_quota_type": "spaceUsedQuota", "soft_quota_limit_bytes": 10_000_000}
    step, outs = apply(provider, object_id, outs, props(nexus, name=name, **quota))
    assert step == "update"
    assert nexus.get(f"/v1/blobstores/file/{name}")["softQuota"] == {
        "type": "spaceUsedQuota",
        "limit": 10_000_000,
    }

    # drift: the quota removed over REST; read sees it, the next apply puts it back
    assert nexus.call("PUT", f"/v1/blobstores/file/{name}", {"path": name, "softQuota": None}).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["soft_quota_type"] is None
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, name=name, **quota))
    assert step == "update" and nexus.get(f"/v1/blobstores/file/{name}")["softQuota"]["limit"] == 10_000_000

    assert nexus.call("DELETE", f"/v1/blobstores/{name}").status == 204
    assert refresh(provider, object_id, outs).id is None
    provider.delete(object_id, outs)  # already gone: success


def test_blob_store_path_under_the_data_dir_shows_no_change(nexus: Backend, unique: str) -> None:
    """Nexus reports a path under <its data dir>/blobs/ relatively, whatever the data dir is."""
    provider = FileBlobStoreProvider()
    name = f"conf-abs-{unique}"
    wanted = props(nexus, name=name, path=f"{nexus.data_dir}/blobs/{name}")
    object_id, outs = create(provider, wanted)
    assert nexus.get(f"/v1/blobstores/file/{name}")["path"] == name  # stored in its relative form
    read = refresh(provider, object_id, outs)
    assert read.outs is not None
    assert provider.diff(object_id, dict(read.outs), checked(provider, wanted)).changes is False
    provider.delete(object_id, outs)


# ---------------------------------------------------------------- repositories


def test_maven_hosted_lifecycle(nexus: Backend, unique: str) -> None:
    provider = RepositoryProvider()
    name = f"maven-{unique}"
    base = {"name": name, "format": "maven2", "type": "hosted", "version_policy": "RELEASE"}
    object_id, outs = create(provider, props(nexus, **base))
    body = nexus.get(f"/v1/repositories/maven/hosted/{name}")
    assert body["storage"]["writePolicy"] == "ALLOW_ONCE" and body["maven"]["versionPolicy"] == "RELEASE"
    settled(nexus, provider, object_id, outs, props(nexus, **base))

    # drift: redeploy allowed in the UI; read sees it, the next apply puts it back
    body["storage"]["writePolicy"] = "ALLOW"
    assert nexus.call("PUT", f"/v1/repositories/maven/hosted/{name}", body).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["write_policy"] == "ALLOW"
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, **base))
    assert step == "update"
    assert nexus.get(f"/v1/repositories/maven/hosted/{name}")["storage"]["writePolicy"] == "ALLOW_ONCE"

    # deleted behind Pulumi's back, then changed in the stack: the refresh advice, not a bare 404
    assert nexus.call("DELETE", f"/v1/repositories/{name}").status == 204
    with pytest.raises(ProviderError, match=r"no longer exists in Nexus.*pulumi refresh"):
        apply(provider, object_id, outs, props(nexus, **base, write_policy="DENY"))
    assert refresh(provider, object_id, outs).id is None
    provider.delete(object_id, outs)


def test_raw_group_of_hosted_and_proxy_in_order(nexus: Backend, unique: str) -> None:
    provider = RepositoryProvider()
    hosted = {"name": f"raw-h-{unique}", "format": "raw", "type": "hosted"}
    proxy = {
        "name": f"raw-p-{unique}",
        "format": "raw",
        "type": "proxy",
        "remote_url": "https://example.invalid/raw",
    }
    created = [create(provider, props(nexus, **spec)) for spec in (hosted, proxy)]
    group = {
        "name": f"raw-g-{unique}",
        "format": "raw",
        "type": "group",
        "members": [hosted["name"], proxy["name"]],
    }
    object_id, outs = create(provider, props(nexus, **group))
    assert (
        nexus.get(f"/v1/repositories/raw/group/{group['name']}")["group"]["memberNames"] == group["members"]
    )
    settled(nexus, provider, object_id, outs, props(nexus, **group))
    reordered = {**group, "members": [proxy["name"], hosted["name"]]}
    step, outs = apply(provider, object_id, outs, props(nexus, **reordered))
    assert step == "update"  # order is resolution order
    assert (
        nexus.get(f"/v1/repositories/raw/group/{group['name']}")["group"]["memberNames"]
        == reordered["members"]
    )
    provider.delete(object_id, outs)
    for member_id, member_outs in created:
        provider.delete(member_id, member_outs)
    names = {r["name"] for r in nexus.get("/v1/repositories")}
    assert not {hosted["name"], proxy["name"], group["name"]} & names


def test_refusal_names_the_resource(nexus: Backend, unique: str) -> None:
    with pytest.raises(RefusedError, match=rf"repository 'raw-{unique}'.*[Bb]lob ?[Ss]tore"):
        create(
            RepositoryProvider(),
            props(nexus, name=f"raw-{unique}", format="raw", type="hosted", blob_store=f"none-{unique}"),
        )


def test_docker_repository(nexus: Backend, unique: str) -> None:
    """On a server with Docker: created with its connector; without: one clear line, not 'not found'."""
    spec = {"name": f"docker-{unique}", "format": "docker", "type": "hosted"}
    if nexus.has("format:docker"):
        object_id, _outs = create(RepositoryProvider(), props(nexus, **spec))
        assert nexus.get(f"/v1/repositories/docker/hosted/{object_id}")["format"] == "docker"
        return
    with pytest.raises(ProviderError) as caught:
        create(RepositoryProvider(), props(nexus, **spec))
    message = str(caught.value)
    assert message.startswith(
        f"repository 'docker-{unique}': this Nexus (Nexus/3.71.0-06 (OSS), the open-source"
    )
    assert "POST /v1/repositories/docker/hosted -> 404" in message and "set docker.enabled: false" in message


APT_PASSPHRASE = "apt-signing-passphrase"


@pytest.fixture(scope="module")
def apt_key() -> SigningKey:
    """One GPG keypair for the module (making one takes seconds)."""
    return make_signing_key(APT_PASSPHRASE)


def test_apt_hosted_signed(nexus: Backend, unique: str, apt_key: SigningKey) -> None:
    """An apt hosted repository with its signing keypair: what Nexus answers for the keypair and
    the passphrase, drift repaired with the secrets sent again, a new key an update in place, and
    what Nexus itself refuses (no keypair, an apt group)."""
    provider = RepositoryProvider()
    name = f"apt-h-{unique}"
    spec = {
        "name": name,
        "format": "apt",
        "type": "hosted",
        "distribution": "bookworm",
        "signing_key": apt_key.private_armoured,
        "signing_passphrase": apt_key.passphrase,
    }
    object_id, outs = create(provider, props(nexus, **spec))
    body = nexus.get(f"/v1/repositories/apt/hosted/{object_id}")
    assert (body["format"], body["type"], body["apt"]) == ("apt", "hosted", {"distribution": "bookworm"})
    # The keypair comes back as sent, the passphrase never (the provider reads neither).
    assert body["aptSigning"] == {"keypair": apt_key.private_armoured, "passphrase": None}
    settled(nexus, provider, object_id, outs, props(nexus, **spec))
    assert outs["signing_key"] == apt_key.private_armoured and outs["signing_passphrase"] == APT_PASSPHRASE

    # drift: another distribution in the UI; read sees it, the next apply puts it back (and sends
    # the keypair and passphrase again: Nexus refuses an apt hosted PUT without aptSigning)
    drifted = {**body, "apt": {"distribution": "trixie"}}
    assert nexus.call("PUT", f"/v1/repositories/apt/hosted/{object_id}", drifted).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["distribution"] == "trixie"
    assert read.outs["signing_key"] == apt_key.private_armoured  # carried, not read
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, **spec))
    assert step == "update"
    assert nexus.get(f"/v1/repositories/apt/hosted/{object_id}")["apt"] == {"distribution": "bookworm"}
    without_signing = {k: v for k, v in body.items() if k != "aptSigning"}
    refused = nexus.call("PUT", f"/v1/repositories/apt/hosted/{object_id}", without_signing)
    assert (refused.status, refused.body) == (
        400,
        [{"id": "PARAMETER aptSigning", "message": "must not be null"}],
    )

    # a new keypair in the stack: an update in place, and Nexus holds the new one; without a
    # passphrase Nexus answers no aptSigning at all (the keypair is still taken: see below)
    rotated = {**spec, "signing_key": apt_key.public_armoured, "signing_passphrase": "other"}
    step, outs = apply(provider, object_id, outs, props(nexus, **rotated))
    assert step == "update"
    signing = nexus.get(f"/v1/repositories/apt/hosted/{object_id}")["aptSigning"]
    assert signing == {"keypair": apt_key.public_armoured, "passphrase": None}
    no_passphrase = {**rotated, "signing_passphrase": None}
    step, outs = apply(provider, object_id, outs, props(nexus, **no_passphrase))
    assert step == "update" and nexus.get(f"/v1/repositories/apt/hosted/{object_id}")["aptSigning"] is None
    settled(nexus, provider, object_id, outs, props(nexus, **no_passphrase))

    # Nexus's own answers to what check refuses earlier
    create_body = {
        "name": f"apt-nokey-{unique}",
        "online": True,
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": True, "writePolicy": "ALLOW"},
        "apt": {"distribution": "bookworm"},
        "aptSigning": {"passphrase": "x"},
    }
    answer = nexus.call("POST", "/v1/repositories/apt/hosted", create_body)
    assert (answer.status, answer.body) == (
        400,
        [{"id": "PARAMETER keypair", "message": "must not be empty"}],
    )
    answer = nexus.call("POST", "/v1/repositories/apt/hosted", {**create_body, "apt": {}})
    assert (
        answer.status == 400
        and {"id": "PARAMETER distribution", "message": "must not be empty"} in answer.body
    )
    assert (
        nexus.call(
            "POST", "/v1/repositories/apt/group", {**create_body, "group": {"memberNames": [name]}}
        ).status
        == 404
    )
    provider.delete(object_id, outs)
    assert refresh(provider, object_id, outs).id is None


def _debian_package(directory: Path) -> Path:
    """A minimal .deb (dpkg-deb), what an apt hosted repository takes."""
    if shutil.which("dpkg-deb") is None:
        unavailable("dpkg-deb is not installed: no Debian package to upload")
    control = directory / "pkg" / "DEBIAN" / "control"
    control.parent.mkdir(parents=True)
    control.write_text(
        "Package: nexus-platform-probe\nVersion: 1.0\nArchitecture: all\n"
        "Maintainer: nexus-platform <apt@example.invalid>\nDescription: a probe\n"
    )
    package = directory / "probe_1.0_all.deb"
    subprocess.run(
        ["dpkg-deb", "--build", str(control.parent.parent), str(package)], check=True, capture_output=True
    )
    return package


def test_apt_hosted_signs_its_metadata_with_the_key(
    nexus: Backend, unique: str, apt_key: SigningKey, tmp_path: Path
) -> None:
    """The keypair the stack sets is the one Nexus signs with: a package uploaded, the
    distribution's InRelease verifies against the public key; a keypair that is not one is taken
    at create and fails only when Nexus signs (500 on the metadata)."""
    if nexus.kind == "emulator":
        pytest.skip("the emulator serves no repository content (no upload, no apt metadata)")
    provider = RepositoryProvider()
    package = _debian_package(tmp_path)
    signed = {"name": f"apt-signed-{unique}", "signing_key": apt_key.private_armoured}
    broken = {"name": f"apt-broken-{unique}", "signing_key": "not a key"}
    for fields in (signed, broken):
        spec = {"format": "apt", "type": "hosted", "distribution": "bookworm", **fields}
        create(provider, props(nexus, **spec, signing_passphrase=apt_key.passphrase))
        with package.open("rb") as deb:
            uploaded = requests.post(
                f"{nexus.direct_url}/service/rest/v1/components",
                params={"repository": fields["name"]},
                files={"apt.asset": deb},
                auth=("admin", nexus.admin_password),
                timeout=60,
            )
        assert uploaded.status_code == 204, uploaded.text
    release = requests.get(
        f"{nexus.direct_url}/repository/{signed['name']}/dists/bookworm/InRelease", timeout=60
    )
    assert release.status_code == 200 and b"main/binary-all/Packages" in release.content
    assert signed_by(apt_key, release.content)
    failed = requests.get(
        f"{nexus.direct_url}/repository/{broken['name']}/dists/bookworm/InRelease", timeout=60
    )
    assert failed.status_code == 500


def test_apt_proxy(nexus: Backend, unique: str) -> None:
    """An apt proxy (distribution and flat), drift repaired; Nexus wants a distribution and flat."""
    provider = RepositoryProvider()
    spec = {
        "name": f"apt-p-{unique}",
        "format": "apt",
        "type": "proxy",
        "remote_url": "http://deb.debian.invalid/debian",
        "distribution": "bookworm",
    }
    object_id, outs = create(provider, props(nexus, **spec))
    body = nexus.get(f"/v1/repositories/apt/proxy/{object_id}")
    # (3.93 also answers enforceDistribution, which the stack does not manage)
    assert (body["apt"]["distribution"], body["apt"]["flat"]) == ("bookworm", False)
    assert outs["flat"] is False  # check filled in what Nexus requires
    settled(nexus, provider, object_id, outs, props(nexus, **spec))
    drifted = {**body, "apt": {"distribution": "bookworm", "flat": True}}
    assert nexus.call("PUT", f"/v1/repositories/apt/proxy/{object_id}", drifted).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["flat"] is True
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, **spec))
    assert step == "update" and nexus.get(f"/v1/repositories/apt/proxy/{object_id}")["apt"]["flat"] is False

    bare = {k: v for k, v in body.items() if k not in ("format", "type", "url", "routingRuleName")}
    for apt, missing in (({"distribution": "bookworm"}, "flat"), ({"flat": True}, "distribution")):
        answer = nexus.call(
            "POST", "/v1/repositories/apt/proxy", {**bare, "name": f"apt-bad-{unique}", "apt": apt}
        )
        assert answer.status == 400, answer.body
        assert [v["id"] for v in answer.body] == [f"PARAMETER {missing}"]
    provider.delete(object_id, outs)


def test_a_format_the_server_lacks_is_refused_in_one_line(nexus: Backend, unique: str) -> None:
    """A Community format on the open-source core: the create says which and changes nothing."""
    spec = {"name": f"helm-{unique}", "format": "helm", "type": "hosted"}
    if nexus.has("format:helm"):
        object_id, outs = create(RepositoryProvider(), props(nexus, **spec))
        assert nexus.get(f"/v1/repositories/helm/hosted/{object_id}")["format"] == "helm"
        RepositoryProvider().delete(object_id, outs)
        return
    with pytest.raises(ProviderError) as caught:
        create(RepositoryProvider(), props(nexus, **spec))
    message = str(caught.value)
    assert "POST /v1/repositories/helm/hosted -> 404" in message
    assert message.endswith("the helm format is not installed on this server. Nothing was changed.")


def test_ldap_server_on_a_server_without_ldap(nexus: Backend) -> None:
    needs_absent = nexus.has("ldap")
    if needs_absent:
        pytest.skip("this server has LDAP; its lifecycle is in test_security_lifecycle.py")
    spec = {"name": "ldap", **LDAP_SERVER}
    with pytest.raises(
        ProviderError, match=r"LDAP server 'ldap': this Nexus .*no API.*LDAP is in Nexus Community and Pro"
    ):
        create(LdapServerProvider(), props(nexus, **spec))
    assert nexus.count_writes() == 0


def test_bad_credentials_fail_clearly(nexus: Backend, unique: str) -> None:
    wrong = {"connection": nexus.connection(password="wrong"), "adopt": False, "name": f"conf-{unique}"}
    with pytest.raises(UnauthorizedError, match=rf"blob store 'conf-{unique}'.*adminPassword"):
        FileBlobStoreProvider().create(checked(FileBlobStoreProvider(), wrong))


# ---------------------------------------------------------------- roles and users


def test_role_lifecycle(nexus: Backend, unique: str) -> None:
    RepositoryProvider().create(
        checked(RepositoryProvider(), props(nexus, name=f"raw-{unique}", format="raw", type="hosted"))
    )
    provider = RoleProvider()
    spec = {
        "role_id": f"readers-{unique}",
        "description": "read raw",
        "privileges": list(repository_view_privileges("raw", f"raw-{unique}", ("browse", "read"))),
    }
    object_id, outs = create(provider, props(nexus, **spec))
    assert sorted(nexus.get(f"/v1/security/roles/{object_id}")["privileges"]) == sorted(spec["privileges"])
    settled(nexus, provider, object_id, outs, props(nexus, **spec))
    body = nexus.get(f"/v1/security/roles/{object_id}")
    body["description"] = "changed in the UI"
    assert nexus.call("PUT", f"/v1/security/roles/{object_id}", body).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["description"] == "changed in the UI"
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, **spec))
    assert step == "update" and nexus.get(f"/v1/security/roles/{object_id}")["description"] == "read raw"
    provider.delete(object_id, outs)
    assert refresh(provider, object_id, outs).id is None
    provider.delete(object_id, outs)


#: What a task's GET says of its runs: it changes between two GETs when the task starts.
TASK_RUN_STATE = ("currentState", "lastRun", "lastRunResult", "nextRun", "message")


def without(body: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in keys}


def test_the_listings_a_refresh_reads_answer_as_the_item_gets(nexus: Backend, unique: str) -> None:
    """A refresh reads roles, repositories and tasks from one list GET per kind (``read_body``):
    each object there is exactly what its item GET answers, for every repository this server holds
    (its own, and one of each type made here), every role of Nexus's own source and every task
    (but for its run state, which moves on its own)."""
    repositories = RepositoryProvider()
    made: dict[str, dict[str, Any]] = {
        "hosted": {"name": f"ls-hosted-{unique}", "format": "maven2", "type": "hosted"},
        "proxy": {
            "name": f"ls-proxy-{unique}",
            "format": "raw",
            "type": "proxy",
            "remote_url": "https://example.invalid/r",
        },
    }
    made["group"] = {
        "name": f"ls-group-{unique}",
        "format": "raw",
        "type": "group",
        "members": [made["proxy"]["name"]],
    }
    for spec in made.values():
        create(repositories, props(nexus, **spec))
    role: dict[str, Any] = {
        "role_id": f"ls-role-{unique}",
        "description": "listed",
        "roles": ["nx-anonymous"],
    }
    create(RoleProvider(), props(nexus, **role, privileges=["nx-search-read"]))
    if nexus.has("task-create"):  # the core has its own two tasks
        create(TaskProvider(), compaction(nexus, unique))

    listed = nexus.get(EVERY_REPOSITORY)
    assert {spec["name"] for spec in made.values()} <= {body["name"] for body in listed}
    for body in listed:
        segment = API_FORMAT.get(body["format"], body["format"])
        assert nexus.get(f"/v1/repositories/{segment}/{body['type']}/{body['name']}") == body, body["name"]
    roles = nexus.get(EVERY_ROLE)
    assert role["role_id"] in {body["id"] for body in roles}
    for body in roles:
        assert nexus.get(f"/v1/security/roles/{body['id']}") == body, body["id"]
    page = nexus.get(TaskProvider.api.collection)
    assert page["items"] and page["continuationToken"] is None
    for body in page["items"]:
        item = nexus.get(f"/v1/tasks/{body['id']}")
        assert without(item, TASK_RUN_STATE) == without(body, TASK_RUN_STATE), body["name"]

    # and through the providers: a read from the listing is the read from the item GET
    kinds: list[tuple[Any, str, dict[str, Any]]] = [
        *((repositories, spec["name"], spec) for spec in made.values()),
        (RoleProvider(), role["role_id"], role),
        *(
            (TaskProvider(), body["id"], {"name": body["name"], "type": body["type"]})
            for body in page["items"]
        ),
    ]
    with NexusClient(Connection.from_props(props(nexus))) as client:
        for provider, object_id, fields in kinds:
            from_listing = provider.read_body(client, object_id, props(nexus, **fields))
            assert from_listing[0] is not None
            assert from_listing == provider.lookup(client, object_id, props(nexus, **fields))


def test_content_selector_privilege_granted_by_a_role(nexus: Backend, unique: str) -> None:
    """A team's path of a shared raw repository: the selector, a privilege over it, a role that
    grants it; each settles, a change made over REST is found and repaired, and the three go."""
    repository = f"raw-{unique}"
    RepositoryProvider().create(
        checked(RepositoryProvider(), props(nexus, name=repository, format="raw", type="hosted"))
    )
    selector = {"name": f"team-a-{unique}", "expression": 'format == "raw" and path =^ "/team-a/"'}
    selectors = ContentSelectorProvider()
    selector_id, selector_outs = create(selectors, props(nexus, **selector))
    settled(nexus, selectors, selector_id, selector_outs, props(nexus, **selector))
    privilege = {
        "name": f"team-a-push-{unique}",
        "type": "repository-content-selector",
        "actions": ["browse", "read", "add", "edit"],
        "format": "raw",
        "repository": repository,
        "content_selector": selector["name"],
    }
    privileges = PrivilegeProvider()
    privilege_id, privilege_outs = create(privileges, props(nexus, **privilege))
    settled(nexus, privileges, privilege_id, privilege_outs, props(nexus, **privilege))
    body = nexus.get(f"/v1/security/privileges/{privilege_id}")
    assert (body["type"], body["contentSelector"], body["repository"]) == (
        "repository-content-selector",
        selector["name"],
        repository,
    )
    changed = {**body, "actions": ["READ"]}
    assert (
        nexus.call(
            "PUT", f"/v1/security/privileges/repository-content-selector/{privilege_id}", changed
        ).status
        == 204
    )
    read = refresh(privileges, privilege_id, privilege_outs)
    assert read.outs is not None and read.outs["actions"] == ("READ",)
    step, privilege_outs = apply(privileges, privilege_id, dict(read.outs), props(nexus, **privilege))
    assert step == "update"
    assert sorted(nexus.get(f"/v1/security/privileges/{privilege_id}")["actions"]) == [
        "ADD",
        "BROWSE",
        "EDIT",
        "READ",
    ]
    roles = RoleProvider()
    role = {"role_id": f"team-a-{unique}", "privileges": [privilege_id]}
    role_id, role_outs = create(roles, props(nexus, **role))
    assert nexus.get(f"/v1/security/roles/{role_id}")["privileges"] == [privilege_id]
    roles.delete(role_id, role_outs)
    privileges.delete(privilege_id, privilege_outs)
    assert refresh(privileges, privilege_id, privilege_outs).id is None
    selectors.delete(selector_id, selector_outs)
    assert refresh(selectors, selector_id, selector_outs).id is None


def test_privileges_of_every_other_type(nexus: Backend, unique: str) -> None:
    """Application and wildcard privileges settle, drift is repaired, and they go; a script
    privilege is refused by the server (no script can exist on the core) with its words."""
    privileges = PrivilegeProvider()
    application = {"name": f"blobstores-read-{unique}", "type": "application", "actions": ["read"]}
    application["domain"] = "blobstores"
    app_id, app_outs = create(privileges, props(nexus, **application))
    settled(nexus, privileges, app_id, app_outs, props(nexus, **application))
    drifted = {
        **nexus.get(f"/v1/security/privileges/{app_id}"),
        "actions": ["READ", "EDIT"],
        "domain": "users",
    }
    assert nexus.call("PUT", f"/v1/security/privileges/application/{app_id}", drifted).status == 204
    read = refresh(privileges, app_id, app_outs)
    assert read.outs is not None and (read.outs["actions"], read.outs["domain"]) == (
        ("EDIT", "READ"),
        "users",
    )
    step, app_outs = apply(privileges, app_id, dict(read.outs), props(nexus, **application))
    assert step == "update"
    body = nexus.get(f"/v1/security/privileges/{app_id}")
    assert (body["actions"], body["domain"]) == (["READ"], "blobstores")

    wildcard = {
        "name": f"raw-read-{unique}",
        "type": "wildcard",
        "pattern": "nexus:repository-view:raw:*:read",
    }
    wild_id, wild_outs = create(privileges, props(nexus, **wildcard))
    settled(nexus, privileges, wild_id, wild_outs, props(nexus, **wildcard))
    assert nexus.get(f"/v1/security/privileges/{wild_id}")["pattern"] == wildcard["pattern"]
    # A change of type is a replacement: the core takes a PUT at another type's path and the
    # privilege is broken from then on (docs/nexus-behaviour.md), so the kind never sends one.
    step, replaced = apply(
        privileges, app_id, app_outs, props(nexus, **{**wildcard, "name": app_id, "pattern": "nexus:*"})
    )
    assert step == "replace" and replaced[0] == app_id
    app_outs = replaced[1]
    assert nexus.get(f"/v1/security/privileges/{app_id}")["type"] == "wildcard"

    script = {"name": f"run-{unique}", "type": "script", "actions": ["run"], "script_name": "cleanup"}
    with pytest.raises(RefusedError, match=r"privilege 'run-.*': Invalid script 'cleanup' supplied"):
        create(privileges, props(nexus, **script))
    for privilege_id, outs in ((app_id, app_outs), (wild_id, wild_outs)):
        privileges.delete(privilege_id, outs)
        assert refresh(privileges, privilege_id, outs).id is None


def test_privilege_and_selector_refusals(nexus: Backend, unique: str) -> None:
    """What the server refuses, with its words: actions of another type, what a privilege names
    that does not exist, an expression that is not CSEL, a selector still in use."""
    privileges = "/v1/security/privileges"
    refusals = [
        (
            f"{privileges}/application",
            {"name": f"a-{unique}", "actions": ["BROWSE"], "domain": "users"},
            "Privilege of type 'application' cannot use action(s) of type 'BROWSE'.",
        ),
        (
            f"{privileges}/repository-view",
            {"name": f"v-{unique}", "actions": ["READ"], "format": "raw", "repository": f"ghost-{unique}"},
            f"Invalid repository 'ghost-{unique}' supplied.",
        ),
        (
            f"{privileges}/repository-content-selector",
            {"name": f"c-{unique}", "actions": ["READ"], "format": "raw", "repository": "*"}
            | {"contentSelector": f"ghost-{unique}"},
            f"Invalid selector 'ghost-{unique}' supplied.",
        ),
    ]
    for path, body, message in refusals:
        answer = nexus.call("POST", path, body)
        assert (answer.status, answer.body) == (400, {"id": "*", "message": f'"{message}"'})
    selectors = "/v1/security/content-selectors"
    for expression, words in (
        ("format == ", "Invalid CSEL: parsing error in '' at line 1 column 9"),
        (
            'path =^ "/a/" and nosuch == "x"',
            "Invalid CSEL: Invalid identifier nosuch, expected one of [format, path]",
        ),
    ):
        answer = nexus.call("POST", selectors, {"name": f"bad-{unique}", "expression": expression})
        assert answer.status == 400 and answer.body[0]["id"] == "HelperBean.expression"
        assert answer.body[0]["message"].startswith(words)
    selector = {"name": f"in-use-{unique}", "expression": 'format == "raw" and path =^ "/a/"'}
    assert nexus.call("POST", selectors, selector).status == 204
    assert nexus.get(f"{selectors}/{selector['name']}")["description"] is None
    privilege = {"name": f"uses-{unique}", "actions": ["READ"], "format": "raw", "repository": "*"}
    privilege["contentSelector"] = selector["name"]
    assert nexus.call("POST", f"{privileges}/repository-content-selector", privilege).status == 201
    answer = nexus.call("DELETE", f"{selectors}/{selector['name']}")
    assert answer.status == 500 and f"Content selector {selector['name']} is in use" in str(answer.body)
    assert nexus.call("DELETE", f"{privileges}/{privilege['name']}").status == 204
    assert nexus.call("DELETE", f"{selectors}/{selector['name']}").status == 204
    answer = nexus.call("GET", f"{selectors}/{selector['name']}")
    assert (answer.status, answer.body["message"]) == (404, f'"No selector found for {selector["name"]}"')


POM = b"""<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>{group}</groupId><artifactId>app</artifactId><version>{version}</version></project>"""


def _file(fmt: str, group: str, version: str = "1.0") -> tuple[str, bytes]:
    """A path under groupId or folder ``group`` (dots are folders; nothing: the top) and what is put
    there: a raw file, or a Maven POM."""
    folder = group.replace(".", "/")
    if fmt == "raw":
        return "/".join(filter(None, (folder, f"app-{version}.txt"))), b"built " + version.encode()
    path = "/".join(filter(None, (folder, "app", version, f"app-{version}.pom")))
    return path, POM.replace(b"{group}", (group or "app").encode()).replace(b"{version}", version.encode())


@pytest.mark.parametrize("fmt", ["raw", "maven2"])
def test_a_team_pushes_only_under_its_own_path_of_a_shared_repository(
    nexus: Backend, unique: str, fmt: str
) -> None:
    """repositories[].teamPaths as the stack declares it (components/access.py): a user whose only
    role grants team platform's selector privilege on the shared repository puts a file under its
    path (raw /platform/, maven2 groupId platform and platform.tools) and reads it back, and is
    refused under payments' path and at the top (403); without credentials it is challenged (401);
    once the privilege is gone, refused."""
    repository = f"shared-{fmt}-{unique}"
    stack = config(repositories=[{"name": repository, "format": fmt, "type": "hosted", "teamPaths": True}])
    ((selector, privilege),) = team_paths(parse_settings(stack), "platform")
    RepositoryProvider().create(
        checked(
            RepositoryProvider(),
            props(nexus, name=repository, format=fmt, type="hosted", write_policy="ALLOW"),
        )
    )
    created = [
        (provider, *create(provider, props(nexus, **spec.model_dump())))
        for provider, spec in (
            (ContentSelectorProvider(), selector),
            (PrivilegeProvider(), privilege),
            (RoleProvider(), RoleSpec(role_id=f"platform-{fmt}-{unique}", privileges=(privilege.name,))),
        )
    ]
    alice = user_with_role(nexus, f"alice-{fmt}-{unique}", f"platform-{fmt}-{unique}")
    content = f"{nexus.direct_url or nexus.url}/repository/{repository}"

    def put(group: str, version: str = "1.0", auth: tuple[str, str] | None = alice) -> int:
        path, data = _file(fmt, group, version)
        return requests.put(f"{content}/{path}", data=data, auth=auth, timeout=30).status_code

    own, own_data = _file(fmt, "platform")
    assert [put("platform"), put("platform.tools")] == [201, 201]
    fetched = requests.get(f"{content}/{own}", auth=alice, timeout=30)
    assert (fetched.status_code, fetched.content) == (200, own_data)
    assert [put("payments"), put("")] == [403, 403]
    assert (
        requests.get(f"{content}/{_file(fmt, 'payments', '9')[0]}", auth=alice, timeout=30).status_code == 403
    )
    assert (
        requests.get(f"{content}/{_file(fmt, 'platform', '9')[0]}", auth=alice, timeout=30).status_code == 404
    )
    assert put("platform", "1.1", auth=None) == 401
    for provider, object_id, outs in reversed(created):
        provider.delete(object_id, outs)
    assert put("platform", "1.2") == 403


def _push(registry: str, image: str, auth: tuple[str, str]) -> list[int]:
    """A Docker client's push of one layer and its manifest (Registry HTTP API V2), as the
    statuses of its calls; it stops at the first refusal."""
    layer = b"layer of " + image.encode()
    digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    statuses = [requests.get(f"{registry}/v2/", auth=auth, timeout=30).status_code]
    started = requests.post(f"{registry}/v2/{image}/blobs/uploads/", auth=auth, timeout=30)
    statuses.append(started.status_code)
    if started.status_code != 202:
        return statuses
    location = started.headers["Location"].split("/repository/", 1)[1].split("/", 1)[1]
    uploaded = requests.put(f"{registry}/{location}?digest={digest}", data=layer, auth=auth, timeout=30)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
    manifest["layers"] = [{"digest": digest, "size": len(layer)}]
    tagged = requests.put(
        f"{registry}/v2/{image}/manifests/1.0",
        data=json.dumps(manifest),
        headers={"Content-Type": str(manifest["mediaType"])},
        auth=auth,
        timeout=30,
    )
    return [*statuses, uploaded.status_code, tagged.status_code]


def test_a_team_pushes_only_its_own_images_to_the_shared_docker_repository(
    nexus: Backend, unique: str
) -> None:
    """docker.sharedPort with docker.routing: path, as the stack declares it: team platform's
    robot pushes platform/app to docker-shared (the client's /v2/ check, a layer, the manifest)
    and is refused payments/app at its first upload (403). Docker: the emulator only."""
    if not nexus.has("format:docker"):
        pytest.skip("the open-source core has no Docker format (the raw case above runs there)")
    stack = parse_settings(config(**{"docker.routing": "path", "docker.sharedPort": 16010}))
    ((selector, privilege),) = team_paths(stack, "platform")
    assert privilege.repository == SHARED_DOCKER_REPOSITORY
    shared = {"name": SHARED_DOCKER_REPOSITORY, "format": "docker", "type": "hosted", "write_policy": "ALLOW"}
    create(RepositoryProvider(), props(nexus, **shared))
    for provider, spec in (
        (ContentSelectorProvider(), selector),
        (PrivilegeProvider(), privilege),
        (RoleProvider(), RoleSpec(role_id=f"platform-{unique}", privileges=(privilege.name,))),
    ):
        create(provider, props(nexus, **spec.model_dump()))
    auth = user_with_role(nexus, f"ci-{unique}", f"platform-{unique}")
    registry = f"{nexus.url}/repository/{SHARED_DOCKER_REPOSITORY}"
    assert _push(registry, "platform/app", auth) == [200, 202, 201, 201]
    pulled = requests.get(f"{registry}/v2/platform/app/manifests/1.0", auth=auth, timeout=30)
    assert pulled.status_code == 200 and pulled.json()["schemaVersion"] == 2
    assert _push(registry, "payments/app", auth) == [200, 403]
    assert _push(registry, "app", auth) == [200, 403]


def test_routing_rule_on_a_proxy(nexus: Backend, unique: str) -> None:
    """A rule settles, drift over REST is repaired, a proxy takes it (and reads it back without
    drift), deleting the rule while the proxy uses it is refused with what to do, and both go."""
    rules = RoutingRuleProvider()
    rule = {"name": f"hub-{unique}", "mode": "ALLOW", "matchers": ["^/v2/library/.*", "^/v2/acme/.*"]}
    rule_id, rule_outs = create(rules, props(nexus, **rule))
    settled(nexus, rules, rule_id, rule_outs, props(nexus, **rule))
    assert nexus.get(f"/v1/routing-rules/{rule_id}")["matchers"] == rule["matchers"]
    drifted = {**nexus.get(f"/v1/routing-rules/{rule_id}"), "mode": "BLOCK"}
    assert nexus.call("PUT", f"/v1/routing-rules/{rule_id}", drifted).status == 204
    read = refresh(rules, rule_id, rule_outs)
    assert read.outs is not None and read.outs["mode"] == "BLOCK"
    step, rule_outs = apply(rules, rule_id, dict(read.outs), props(nexus, **rule))
    assert step == "update" and nexus.get(f"/v1/routing-rules/{rule_id}")["mode"] == "ALLOW"

    repositories = RepositoryProvider()
    proxy = {
        "name": f"raw-routed-{unique}",
        "format": "raw",
        "type": "proxy",
        "remote_url": "https://example.invalid/files",
        "routing_rule": rule_id,
    }
    proxy_id, proxy_outs = create(repositories, props(nexus, **proxy))
    settled(nexus, repositories, proxy_id, proxy_outs, props(nexus, **proxy))
    with pytest.raises(ProviderError, match="still used by a repository"):
        rules.delete(rule_id, rule_outs)
    assert nexus.get(f"/v1/routing-rules/{rule_id}")["name"] == rule_id
    repositories.delete(proxy_id, proxy_outs)
    rules.delete(rule_id, rule_outs)
    assert refresh(rules, rule_id, rule_outs).id is None


def test_trusted_certificate_and_a_proxy_that_uses_the_trust_store(
    nexus: Backend, unique: str, tmp_path: Path
) -> None:
    """A CA is added and found by its SHA-1 fingerprint (Nexus's id), settles, is adopted as it is
    when already there (no write, left on delete), and a proxy that trusts the store reads back
    without drift; deleted out of band, read says gone."""
    pem = make_test_pki(tmp_path, domain=f"upstream-{unique}.test").ca_pem
    certificates = TrustedCertificateProvider()
    cert_id, cert_outs = create(certificates, props(nexus, pem=pem))
    listed = {cert["id"]: cert for cert in nexus.get("/v1/security/ssl/truststore")}
    assert listed[cert_id]["fingerprint"] == cert_id == cert_outs["fingerprint"]
    settled(nexus, certificates, cert_id, cert_outs, props(nexus, pem=pem))

    nexus.clear_log()
    adopted_id, adopted_outs = create(certificates, props(nexus, pem=pem, adopt=True))
    assert (adopted_id, adopted_outs["adopted"], nexus.count_writes()) == (cert_id, True, 0)
    certificates.delete(adopted_id, adopted_outs)  # released: still trusted
    assert cert_id in {cert["id"] for cert in nexus.get("/v1/security/ssl/truststore")}

    repositories = RepositoryProvider()
    proxy = {
        "name": f"maven-trusting-{unique}",
        "format": "maven2",
        "type": "proxy",
        "remote_url": f"https://upstream-{unique}.test/maven2/",
        "use_trust_store": True,
    }
    proxy_id, proxy_outs = create(repositories, props(nexus, **proxy))
    body = nexus.get(f"/v1/repositories/maven/proxy/{proxy_id}")
    assert body["httpClient"]["connection"]["useTrustStore"] is True
    settled(nexus, repositories, proxy_id, proxy_outs, props(nexus, **proxy))
    repositories.delete(proxy_id, proxy_outs)

    assert nexus.call("DELETE", f"/v1/security/ssl/truststore/{cert_id}").status == 204
    assert refresh(certificates, cert_id, cert_outs).id is None
    certificates.delete(cert_id, cert_outs)  # already gone: success


def test_a_proxy_with_credentials_keeps_the_password_write_only(nexus: Backend, unique: str) -> None:
    """Nexus answers the username and never the password; the stack records the password (a
    secret), sees no drift from its absence, and a new password is an update in place."""
    repositories = RepositoryProvider()
    proxy = {
        "name": f"raw-login-{unique}",
        "format": "raw",
        "type": "proxy",
        "remote_url": "https://example.invalid/private",
        "remote_username": "reader",
        "remote_password": f"first-{unique}",
    }
    proxy_id, outs = create(repositories, props(nexus, **proxy))
    auth = nexus.get(f"/v1/repositories/raw/proxy/{proxy_id}")["httpClient"]["authentication"]
    assert (auth["type"], auth["username"], auth.get("password")) == ("username", "reader", None)
    assert f"first-{unique}" not in str(nexus.get(f"/v1/repositories/raw/proxy/{proxy_id}"))
    settled(nexus, repositories, proxy_id, outs, props(nexus, **proxy))
    assert outs["remote_password"] == f"first-{unique}"
    step, outs = apply(repositories, proxy_id, outs, props(nexus, **{**proxy, "remote_password": "second"}))
    assert step == "update" and outs["remote_password"] == "second"
    ntlm = {**proxy, "remote_ntlm_host": "nexus-host", "remote_ntlm_domain": "CORP"}
    step, outs = apply(repositories, proxy_id, outs, props(nexus, **ntlm))
    auth = nexus.get(f"/v1/repositories/raw/proxy/{proxy_id}")["httpClient"]["authentication"]
    assert step == "update" and (auth["type"], auth["ntlmHost"], auth["ntlmDomain"]) == (
        "ntlm",
        "nexus-host",
        "CORP",
    )
    settled(nexus, repositories, proxy_id, outs, props(nexus, **ntlm))
    repositories.delete(proxy_id, outs)


def test_user_lifecycle(nexus: Backend, unique: str) -> None:
    provider = UserProvider()
    user = f"robot-{unique}"
    spec = {
        "user_id": user,
        "first_name": "ci",
        "last_name": "robot",
        "email_address": f"{user}@example.test",
        "password": "first-pw",
        "roles": ["nx-anonymous"],
    }
    object_id, outs = create(provider, props(nexus, **spec))
    assert nexus.get(f"/v1/security/users?userId={user}")[0]["roles"] == ["nx-anonymous"]
    settled(nexus, provider, object_id, outs, props(nexus, **spec))

    step, outs = apply(provider, object_id, outs, props(nexus, **{**spec, "password": "second-pw"}))
    assert step == "update"
    logged_in = requests.get(
        f"{nexus.url}/service/rest/v1/status/check", auth=(user, "second-pw"), timeout=30
    )
    assert logged_in.status_code != 401

    body = nexus.get(f"/v1/security/users?userId={user}")[0]
    body["lastName"] = "renamed"
    assert nexus.call("PUT", f"/v1/security/users/{user}", body).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["last_name"] == "renamed"
    step, outs = apply(
        provider, object_id, dict(read.outs), props(nexus, **{**spec, "password": "second-pw"})
    )
    assert step == "update" and nexus.get(f"/v1/security/users?userId={user}")[0]["lastName"] == "robot"
    provider.delete(object_id, outs)
    assert refresh(provider, object_id, outs).id is None


def test_a_misspelt_role_is_refused_before_any_write(nexus: Backend, unique: str) -> None:
    """The real Nexus accepts unknown role ids on a user silently; the provider refuses them."""
    spec = {
        "user_id": f"robot-{unique}",
        "first_name": "ci",
        "last_name": "robot",
        "email_address": "r@example.test",
        "password": "pw",
        "roles": ["nx-anonymuos"],
    }
    nexus.clear_log()
    with pytest.raises(ProviderError, match=r"field 'roles': no role with id 'nx-anonymuos'"):
        create(UserProvider(), props(nexus, **spec))
    assert nexus.count_writes() == 0


# ---------------------------------------------------------------- realms and anonymous access


def test_realms_lifecycle(nexus: Backend) -> None:
    provider = RealmsProvider()
    wanted = ["NexusAuthenticatingRealm", "DefaultRole"]
    object_id, outs = create(provider, props(nexus, realms=wanted))
    assert nexus.get("/v1/security/realms/active") == wanted
    settled(nexus, provider, object_id, outs, props(nexus, realms=wanted))
    assert nexus.call("PUT", "/v1/security/realms/active", list(reversed(wanted))).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and list(read.outs["realms"]) == list(reversed(wanted))
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, realms=wanted))
    assert step == "update" and nexus.get("/v1/security/realms/active") == wanted
    provider.delete(object_id, outs)
    assert nexus.get("/v1/security/realms/active") == ["NexusAuthenticatingRealm"]


def test_docker_token_realm_only_with_docker(nexus: Backend) -> None:
    assert DOCKER_TOKEN_REALM not in active_realms(ldap=False, docker=False)
    realms = list(active_realms(ldap=False, docker=True))
    if nexus.has("format:docker"):
        create(RealmsProvider(), props(nexus, realms=realms))
        assert nexus.get("/v1/security/realms/active") == realms
        return
    with pytest.raises(RefusedError, match=r"Unknown realmIds: \[DockerToken\]"):
        create(RealmsProvider(), props(nexus, realms=realms))


def test_anonymous_access_lifecycle(nexus: Backend) -> None:
    provider = AnonymousAccessProvider()
    off = {"enabled": False, "roles": ["nx-anonymous"]}
    object_id, outs = create(provider, props(nexus, **off))
    assert nexus.get("/v1/security/anonymous")["enabled"] is False
    anonymous = requests.get(f"{nexus.url}/service/rest/v1/repositories", timeout=30)
    assert anonymous.status_code in (200, 401, 403) and (
        anonymous.status_code != 200 or anonymous.json() == []
    )
    settled(nexus, provider, object_id, outs, props(nexus, **off))
    body = nexus.get("/v1/security/anonymous")
    assert nexus.call("PUT", "/v1/security/anonymous", {**body, "enabled": True}).status == 200
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["enabled"] is True
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, **off))
    assert step == "update" and nexus.get("/v1/security/anonymous")["enabled"] is False
    provider.delete(object_id, outs)


# ---------------------------------------------------------------- tasks


def compaction(nexus: Backend, unique: str) -> dict[str, Any]:
    return props(
        nexus,
        name=f"Compact default {unique}",
        type="blobstore.compact",
        schedule="weekly",
        recurring_days=[1],
        start_time="02:30",
        properties={"blobstoreName": "default"},
    )


def test_task_create_where_the_server_cannot(nexus: Backend, unique: str) -> None:
    if nexus.has("task-create"):
        object_id, _outs = create(TaskProvider(), compaction(nexus, unique))
        assert nexus.get(f"/v1/tasks/{object_id}")["type"] == "blobstore.compact"
        return
    with pytest.raises(ProviderError) as caught:
        create(TaskProvider(), compaction(nexus, unique))
    message = str(caught.value)
    assert "cannot create or change tasks over REST (POST /v1/tasks -> 405)" in message
    assert "nexus.manageTasks: false" in message and "HTTP 405" not in message
    assert [t for t in nexus.get("/v1/tasks")["items"] if t["name"].endswith(unique)] == []


def test_existing_task_is_read_without_inventing_a_schedule(nexus: Backend) -> None:
    """Before 3.92 a task GET has no schedule: what the state holds is kept (no perpetual diff)."""
    provider = TaskProvider()
    if nexus.has("task-create"):
        _object_id, _ = create(provider, compaction(nexus, "read"))
    items = nexus.get("/v1/tasks")["items"]
    existing = next(
        t for t in items if t["type"] in ("blobstore.compact", "repository.cleanup", "assetBlob.cleanup")
    )
    state = {
        **compaction(nexus, "read"),
        "name": existing["name"],
        "type": existing["type"],
        "schedule": "daily",
        "recurring_days": [],
        "start_time": "01:00",
        "properties": {},
    }
    read = refresh(provider, existing["id"], checked(provider, state))
    assert read.outs is not None and read.outs["name"] == existing["name"]
    if nexus.has("task-schedules-in-get"):
        return
    assert "schedule" not in nexus.get(f"/v1/tasks/{existing['id']}")
    assert read.outs["schedule"] == "daily" and read.outs["start_time"] == "01:00"
    assert provider.diff(existing["id"], dict(read.outs), checked(provider, state)).changes is False


def test_task_delete_where_the_server_cannot_releases_it(
    nexus: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    if nexus.has("task-create"):
        pytest.skip("this server deletes tasks; the lifecycle is in test_lifecycle.py")
    task = nexus.get("/v1/tasks")["items"][0]
    TaskProvider().delete(task["id"], props(nexus, name=task["name"]))
    assert "stays in Nexus: this server cannot delete tasks over REST (405)" in capsys.readouterr().err
    assert any(t["id"] == task["id"] for t in nexus.get("/v1/tasks")["items"])


# ---------------------------------------------------------------- email server


def test_email_server_lifecycle(nexus: Backend, unique: str) -> None:
    """The settings settle with the password never returned, drift is repaired, a bad port or
    address is refused at check naming the field with nothing written, and delete disables mail
    and writes back what a fresh server holds."""
    provider = EmailServerProvider()
    mail = {
        "enabled": True,
        "host": "smtp.example.test",
        "port": 587,
        "username": "nexus",
        "password": f"smtp-{unique}",
        "from_address": "nexus@example.test",
        "subject_prefix": "[nexus] ",
        "start_tls_enabled": True,
        "use_trust_store": True,
    }
    object_id, outs = create(provider, props(nexus, **mail))
    held = nexus.get("/v1/email")
    assert held["password"] is None and held["host"] == "smtp.example.test" and held["port"] == 587
    assert held["nexusTrustStoreEnabled"] is True and outs["password"] == f"smtp-{unique}"
    settled(nexus, provider, object_id, outs, props(nexus, **mail))

    assert nexus.call("PUT", "/v1/email", {**held, "subjectPrefix": "[other] "}).status == 204
    read = refresh(provider, object_id, outs)
    assert read.outs is not None and read.outs["subject_prefix"] == "[other] "
    assert read.outs["password"] == f"smtp-{unique}"  # carried: Nexus never returns it
    step, outs = apply(provider, object_id, dict(read.outs), props(nexus, **mail))
    assert step == "update" and nexus.get("/v1/email")["subjectPrefix"] == "[nexus] "

    nexus.clear_log()
    refused = provider.check({}, props(nexus, **{**mail, "port": 0, "from_address": "nexus-at-example"}))
    assert {f.property for f in refused.failures} == {"port", "from_address"}
    assert nexus.count_writes() == 0

    provider.delete(object_id, outs)
    assert nexus.get("/v1/email") == {
        "enabled": False,
        "host": "localhost",
        "port": 25,
        "username": "",  # the fresh server's null, once written back
        "password": None,
        "fromAddress": "nexus@example.org",
        "subjectPrefix": None,
        "startTlsEnabled": False,
        "startTlsRequired": False,
        "sslOnConnectEnabled": False,
        "sslServerIdentityCheckEnabled": False,
        "nexusTrustStoreEnabled": False,
    }


def test_email_server_verify_sends_a_test_mail(nexus: Backend, smtp_sink: SmtpSink) -> None:
    """With verify_to Nexus sends a test mail after each write (here to an SMTP server on
    loopback); a server nothing listens on fails the write in one line naming verify_to."""
    provider = EmailServerProvider()
    mail = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": smtp_sink.port,
        "from_address": "nexus@example.test",
        "verify_to": "ops@example.test",
    }
    object_id, outs = create(provider, props(nexus, **mail))
    try:
        (sent,) = smtp_sink.mails
        assert sent.recipients == ("ops@example.test",) and sent.sender == "nexus@example.test"
        settled(nexus, provider, object_id, outs, props(nexus, **mail))
        assert len(smtp_sink.mails) == 1  # no change, no mail

        silent = free_port()
        with pytest.raises(ProviderError) as caught:
            apply(provider, object_id, outs, props(nexus, **{**mail, "port": silent}))
        message = str(caught.value)
        assert "\n" not in message and "verify_to" in message and "email.verifyTo" in message
        assert f"127.0.0.1:{silent}" in message and "'ops@example.test'" in message
        assert nexus.get("/v1/email")["port"] == silent  # Nexus verifies what it holds: written
    finally:
        provider.delete(object_id, outs)
