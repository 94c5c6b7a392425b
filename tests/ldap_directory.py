"""A real OpenLDAP directory (Debian's ``slapd``) for the tests, on free loopback ports.

:func:`ldap_directory` (session-scoped fixture) starts one ``slapd`` with a generated slapd.conf
and two databases, loads the tree over LDAP (so the ``memberof`` overlay maintains ``memberOf``)
and stops it at the end:

* ``dc=example,dc=com`` with the memberof overlay: ``ou=services`` (the bind account
  ``uid=nexus``), ``ou=people`` (alice, bob, carol, dave: inetOrgPerson), ``ou=groups``
  (groupOfNames: platform-devs, payments-devs, staff, nexus-admins). Static and dynamic group
  lookups both work here.
* ``dc=static,dc=example`` without the overlay: people and groupOfNames groups but no ``memberOf``
  (a directory where only static groups work).
* ``dc=corp,dc=example``, built like a production directory (:data:`HARDENED_BASE`): entries are
  shown to bound clients only (``access to * by users read by * none``, as Active Directory and
  hardened OpenLDAP do; an anonymous client is told ``noSuchObject`` for entries that exist); the
  bind account ``uid=svc-nexus,ou=services``; ``ou=people`` (inetOrgPerson + posixAccount);
  ``ou=groups`` of groupOfUniqueNames/uniqueMember with a nested group (``engineering``: the groups
  ``developers`` and ``qa`` and one user); ``ou=posix`` of posixGroup/memberUid.

An ``ldap://`` and an ``ldaps://`` listener; the ldaps certificate is signed by a throwaway CA
(:attr:`Directory.ca_pem`) and names ``localhost`` and ``127.0.0.1``. In the first two databases
anonymous clients may read everything but passwords (Debian's default ACL).

Without slapd the tests skip, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reach.host import stop_process
from tests.components.haproxy_helpers import free_ports, make_test_pki
from tests.eventually import eventually
from tests.layers import unavailable

BASE = "dc=example,dc=com"
STATIC_BASE = "dc=static,dc=example"
BIND_DN = f"uid=nexus,ou=services,{BASE}"
BIND_PASSWORD = "directory-bind-secret"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "directory-root-secret"
# user -> groups (static groupOfNames under ou=groups; memberOf follows from them)
MEMBERSHIP = {
    "alice": ["platform-devs", "staff"],
    "bob": ["payments-devs", "staff"],
    "carol": ["nexus-admins", "staff"],
    "dave": [],
}
STATIC_MEMBERSHIP = {"erin": ["builders"], "frank": ["builders"]}
HARDENED_BASE = "dc=corp,dc=example"
HARDENED_BIND_DN = f"uid=svc-nexus,ou=services,{HARDENED_BASE}"
HARDENED_BIND_PASSWORD = "corp-bind-secret"
# user -> groupOfUniqueNames under ou=groups (uniqueMember: DNs)
HARDENED_MEMBERSHIP = {
    "gina": ["developers"],
    "hank": ["developers"],
    "ivy": ["qa"],
    "jack": ["engineering"],
}
# group -> its member groups (uniqueMember: the groups' DNs): Nexus does not follow them
HARDENED_NESTED = {"engineering": ["developers", "qa"]}
# posixGroup under ou=posix -> memberUid values (login names)
HARDENED_POSIX = {"builders": ["gina", "hank"], "testers": ["ivy"]}
START_TIMEOUT_SECONDS = 60.0


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")


def require_tools() -> tuple[str, str]:
    """(slapd, ldapadd); a skip without them, a failure under CI."""
    slapd, ldapadd = _binary("slapd"), _binary("ldapadd")
    if slapd is None or ldapadd is None:
        unavailable("slapd and ldap-utils are not installed (run scripts/install-system-deps as root)")
    return slapd, ldapadd


@dataclass(frozen=True)
class Directory:
    host: str
    ldap_port: int
    ldaps_port: int
    ca_pem: str
    other_ca_pem: str  # a CA that did not sign the server certificate

    def hardened_settings(self, **overrides: object) -> dict[str, object]:
        """The ``ldap`` mapping for the hardened directory (:data:`HARDENED_BASE`): static
        groupOfUniqueNames groups whose uniqueMember values are DNs."""
        hardened: dict[str, object] = {
            "searchBase": HARDENED_BASE,
            "bindDn": HARDENED_BIND_DN,
            "bindPassword": HARDENED_BIND_PASSWORD,
            "groupObjectClass": "groupOfUniqueNames",
            "groupMemberAttribute": "uniqueMember",
        }
        return self.ldap_settings(**{**hardened, **overrides})

    def ldap_settings(self, **overrides: object) -> dict[str, object]:
        """The stack's ``ldap`` mapping (camelCase) for this directory over ldap://."""
        return {
            "protocol": "ldap",
            "host": self.host,
            "port": self.ldap_port,
            "searchBase": BASE,
            "bindDn": BIND_DN,
            "bindPassword": BIND_PASSWORD,
            **overrides,
        }


def _slapd_conf(work: Path) -> str:
    schema = "/etc/ldap/schema"
    password = "access to attrs=userPassword by self write by anonymous auth by * none\n"
    acl = f"{password}access to * by * read\n"
    hardened = f"{password}access to * by users read by * none\n"
    return f"""\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {work}/slapd.pid
TLSCACertificateFile {work}/pki/ca.crt
TLSCertificateFile {work}/pki/server.crt
TLSCertificateKeyFile {work}/pki/server.key

database mdb
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {work}/db-example
maxsize 16777216
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
{acl}
database mdb
suffix "{STATIC_BASE}"
rootdn "cn=admin,{STATIC_BASE}"
rootpw {ROOT_PASSWORD}
directory {work}/db-static
maxsize 16777216
{acl}
database mdb
suffix "{HARDENED_BASE}"
rootdn "cn=admin,{HARDENED_BASE}"
rootpw {ROOT_PASSWORD}
directory {work}/db-corp
maxsize 16777216
{hardened}"""


def _entry(dn: str, *lines: str) -> str:
    return "\n".join([f"dn: {dn}", *lines]) + "\n\n"


def _tree(base: str, services: bool, membership: dict[str, list[str]]) -> str:
    top = base.split(",", maxsplit=1)[0].split("=")[1]
    ldif = _entry(base, "objectClass: dcObject", "objectClass: organization", f"o: {top}", f"dc: {top}")
    for ou in ("people", "groups", *(["services"] if services else [])):
        ldif += _entry(f"ou={ou},{base}", "objectClass: organizationalUnit", f"ou: {ou}")
    if services:
        ldif += _entry(
            BIND_DN, "objectClass: inetOrgPerson", "uid: nexus", "cn: nexus", "sn: service",
            f"userPassword: {BIND_PASSWORD}",
        )  # fmt: skip
    for user in membership:
        ldif += _entry(
            f"uid={user},ou=people,{base}", "objectClass: inetOrgPerson", f"uid: {user}",
            f"cn: {user.title()} Example", "sn: Example", f"mail: {user}@example.com",
            f"userPassword: {user}-password",
        )  # fmt: skip
    groups = sorted({group for groups in membership.values() for group in groups})
    for group in groups:
        members = [f"member: uid={user},ou=people,{base}" for user, of in membership.items() if group in of]
        ldif += _entry(f"cn={group},ou=groups,{base}", "objectClass: groupOfNames", f"cn: {group}", *members)
    return ldif


def _hardened_tree() -> str:
    """The production-like tree: a service account, people that are also POSIX accounts,
    groupOfUniqueNames groups (one nested) and posixGroup groups."""
    base = HARDENED_BASE
    ldif = _entry(base, "objectClass: dcObject", "objectClass: organization", "o: corp", "dc: corp")
    for ou in ("services", "people", "groups", "posix"):
        ldif += _entry(f"ou={ou},{base}", "objectClass: organizationalUnit", f"ou: {ou}")
    ldif += _entry(
        HARDENED_BIND_DN, "objectClass: inetOrgPerson", "uid: svc-nexus", "cn: svc-nexus", "sn: service",
        f"userPassword: {HARDENED_BIND_PASSWORD}",
    )  # fmt: skip
    for number, user in enumerate(HARDENED_MEMBERSHIP, start=2001):
        ldif += _entry(
            f"uid={user},ou=people,{base}", "objectClass: inetOrgPerson", "objectClass: posixAccount",
            f"uid: {user}", f"cn: {user.title()} Corp", "sn: Corp", f"mail: {user}@corp.example",
            f"uidNumber: {number}", "gidNumber: 2000", f"homeDirectory: /home/{user}",
            f"userPassword: {user}-password",
        )  # fmt: skip
    groups = sorted({g for of in HARDENED_MEMBERSHIP.values() for g in of} | set(HARDENED_NESTED))
    for group in groups:
        members = [
            *(f"uid={u},ou=people,{base}" for u, of in HARDENED_MEMBERSHIP.items() if group in of),
            *(f"cn={g},ou=groups,{base}" for g in HARDENED_NESTED.get(group, [])),
        ]
        ldif += _entry(
            f"cn={group},ou=groups,{base}", "objectClass: groupOfUniqueNames", f"cn: {group}",
            *(f"uniqueMember: {member}" for member in members),
        )  # fmt: skip
    for number, (group, uids) in enumerate(sorted(HARDENED_POSIX.items()), start=3001):
        ldif += _entry(
            f"cn={group},ou=posix,{base}", "objectClass: posixGroup", f"cn: {group}",
            f"gidNumber: {number}", *(f"memberUid: {uid}" for uid in uids),
        )  # fmt: skip
    return ldif


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True

    eventually(
        listening,
        timeout=START_TIMEOUT_SECONDS,
        ignore=(OSError,),
        error=RuntimeError,
        message=lambda _: f"slapd did not listen on {port} within {START_TIMEOUT_SECONDS:.0f} s",
    )


@pytest.fixture(scope="session")
def ldap_directory() -> Iterator[Directory]:
    slapd, ldapadd = require_tools()
    with tempfile.TemporaryDirectory(prefix="test-slapd-") as tmp:
        work = Path(tmp)
        pki = make_test_pki(work / "pki", domain="localhost", extra_names="IP:127.0.0.1")
        other = make_test_pki(work / "other-pki", domain="localhost", extra_names="IP:127.0.0.1")
        for database in ("db-example", "db-static", "db-corp"):
            (work / database).mkdir()
        conf = work / "slapd.conf"
        conf.write_text(_slapd_conf(work))
        ldap_port, ldaps_port = free_ports(2)
        log = work / "slapd.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [slapd, "-d", "0", "-f", str(conf),
                 "-h", f"ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/"],
                stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait_for(ldap_port, process, log)
            _wait_for(ldaps_port, process, log)
            for base, ldif in (
                (BASE, _tree(BASE, True, MEMBERSHIP)),
                (STATIC_BASE, _tree(STATIC_BASE, False, STATIC_MEMBERSHIP)),
                (HARDENED_BASE, _hardened_tree()),
            ):
                subprocess.run(
                    [ldapadd, "-x", "-H", f"ldap://127.0.0.1:{ldap_port}",
                     "-D", f"cn=admin,{base}", "-w", ROOT_PASSWORD],
                    input=ldif.encode(),
                    check=True, capture_output=True, timeout=60,
                )  # fmt: skip
            yield Directory("127.0.0.1", ldap_port, ldaps_port, pki.ca_pem, other.ca_pem)
        finally:
            stop_process(process)
