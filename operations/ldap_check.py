"""The stack's LDAP settings checked against the real directory, before Nexus gets them.

Nexus stores any well-formed LDAP configuration; a wrong bind DN, base, filter or group name only
shows when people cannot log in. :func:`check_directory` does what Nexus will do with the stack's
``ldap`` settings (with the ``ldap3`` client): connect (ldap or ldaps, trusting ``ldap.caPem`` or
the system's CAs), bind as ``bindDn``, search the users under ``userBaseDn,searchBase`` with
``userObjectClass`` and ``userLdapFilter``, resolve one user's groups the way ``groupType`` says
(static: ``groupObjectClass``/``groupMemberAttribute``/``groupMemberFormat``; dynamic:
``userMemberOfAttribute``) and look up every group the stack names (``teams[].ldapGroups``,
``access.pullLdapGroups``, ``access.adminLdapGroups``).

Each problem is one line: the config key, what the directory answered, the likely fix. The bind
password is never printed or returned.

``python -m operations.ldap_check STACK`` (``scripts/check-ldap``) runs it from a stack file.
"""

from __future__ import annotations

import argparse
import difflib
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ldap3
import yaml
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from reach.host import ShellError, ssh_tunnel
from settings import ENCRYPTED, PROJECT, LdapSettings, SettingsError, StackSettings, load_stack_file

SAMPLE_SIZE = 3
SAMPLE_TRIES = 20  # users asked for their groups before the member format is called wrong
MAX_USERS_COUNTED = 100_000
PASSWORD_ENV = "NEXUS_PLATFORM_LDAP_BIND_PASSWORD"
PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class NamedGroup:
    key: str  # e.g. teams[1].ldapGroups[0]
    name: str


@dataclass(frozen=True)
class Problem:
    key: str
    answer: str  # what the directory answered
    fix: str

    def __str__(self) -> str:
        return f"{PROJECT}:{self.key}: {self.answer}; {self.fix}"


@dataclass
class DirectoryReport:
    url: str
    bind_dn: str | None = None
    user_base: str = ""
    user_filter: str = ""
    users_found: int = 0
    sample_ids: list[str] = field(default_factory=list)
    sample_user: str | None = None
    sample_groups: list[str] = field(default_factory=list)
    groups_found: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.problems:
            head = f"LDAP directory {self.url}: {len(self.problems)} problem(s)"
            return "\n".join([head, *(f"  - {problem}" for problem in self.problems)])
        lines = [
            f"LDAP directory {self.url}: the stack's ldap settings work"
            + (f" (bound as {self.bind_dn})" if self.bind_dn else " (anonymous)"),
            f"  users: {self.users_found} under {self.user_base} matching {self.user_filter}, "
            f"e.g. {', '.join(self.sample_ids)}",
        ]
        if self.sample_user is not None:
            lines.append(f"  groups of {self.sample_user}: {', '.join(self.sample_groups) or '(none)'}")
        if self.groups_found:
            lines.append(
                f"  groups named by the stack: {len(self.groups_found)} found "
                f"({', '.join(self.groups_found)})"
            )
        return "\n".join(lines)


def named_groups(settings: StackSettings) -> list[NamedGroup]:
    """Every LDAP group the stack names, with the key that names it."""
    sources = [
        *((f"teams[{i}].ldapGroups", team.ldap_groups) for i, team in enumerate(settings.teams)),
        ("access.pullLdapGroups", settings.access.pull_ldap_groups),
        ("access.adminLdapGroups", settings.access.admin_ldap_groups),
    ]
    return [NamedGroup(f"{key}[{j}]", group) for key, groups in sources for j, group in enumerate(groups)]


# ---------------------------------------------------------------- pure helpers


def join_dn(relative: str, base: str) -> str:
    return f"{relative},{base}" if relative else base


def user_filter(ldap: LdapSettings) -> str:
    """Nexus's user filter: the object class, and the extra filter when there is one."""
    extra = ldap.user_ldap_filter.strip()
    if extra and not extra.startswith("("):
        extra = f"({extra})"
    return (
        f"(&(objectClass={ldap.user_object_class}){extra})"
        if extra
        else f"(objectClass={ldap.user_object_class})"
    )


def member_value(ldap: LdapSettings, user_dn: str, user_id: str) -> str:
    """What a static group's member attribute holds for this user (groupMemberFormat)."""
    return ldap.group_member_format.replace("${dn}", user_dn).replace("${username}", user_id)


def group_name_of(dn: str) -> str:
    """The name Nexus gives a dynamic group: the value of the first RDN of its DN."""
    try:
        return str(parse_dn(dn)[0][1])
    except (ldap_errors.LDAPInvalidDnError, IndexError):
        return dn


def _scope(subtree: bool) -> str:
    return str(ldap3.SUBTREE if subtree else ldap3.LEVEL)


def _suggest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _listing(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(sorted(names)[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "********") if secret else text


# ---------------------------------------------------------------- talking to the directory


class _StopError(Exception):
    """A problem after which nothing further can be checked."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _stop(key: str, answer: str, fix: str) -> _StopError:
    return _StopError(Problem(key, answer, fix))


def _server(ldap: LdapSettings, host: str, port: int) -> ldap3.Server:
    tls = None
    if ldap.protocol == "ldaps":
        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_data=ldap.ca_pem or None,
            valid_names=[ldap.host],  # the configured name, also when reached through a tunnel
        )
    return ldap3.Server(
        host,
        port=port,
        use_ssl=ldap.protocol == "ldaps",
        tls=tls,
        get_info=ldap3.NONE,
        connect_timeout=ldap.connection_timeout_seconds,
    )


def _connection(
    server: ldap3.Server, ldap: LdapSettings, password: str | None, anonymous: bool = False
) -> Any:
    simple = ldap.auth_scheme != "NONE" and not anonymous
    return ldap3.Connection(
        server,
        user=ldap.bind_dn if simple else None,
        password=password if simple else None,
        authentication=ldap3.SIMPLE if simple else ldap3.ANONYMOUS,
        receive_timeout=ldap.connection_timeout_seconds,
        raise_exceptions=False,
        read_only=True,
    )


def _open_problem(ldap: LdapSettings, url: str, error: Exception) -> Problem:
    text = str(error).strip("()\"',")
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        reason = text.split("certificate verify failed:")[-1].split("(_ssl")[0].strip() or text
        if "hostname" in text or "IP address mismatch" in text:
            return Problem(
                "ldap.host",
                f"the certificate of {url} does not name {ldap.host} ({reason})",
                "use the host name the directory's certificate names",
            )
        trusted = "ldap.caPem" if ldap.ca_pem else "the system's CAs (ldap.caPem is not set)"
        return Problem(
            "ldap.caPem",
            f"TLS to {url} failed: the server's certificate is not signed by {trusted} ({reason})",
            "set ldap.caPem to the PEM of the CA that signed the directory's certificate",
        )
    if "hostname" in text.lower() and "match" in text.lower():
        return Problem(
            "ldap.host",
            f"the certificate of {url} does not name {ldap.host} ({text})",
            "use the host name the directory's certificate names",
        )
    if isinstance(error, ldap_errors.LDAPSessionTerminatedByServerError) or "ssl wrapping error" in text:
        other = "ldaps" if ldap.protocol == "ldap" else "ldap"
        return Problem(
            "ldap.protocol",
            f"{url} closed the connection without an LDAP answer ({text})",
            f"check ldap.protocol and ldap.port: the port may speak {other}",
        )
    return Problem(
        "ldap.host",
        f"cannot connect to {url} ({text})",
        "check ldap.host, ldap.port and ldap.protocol; if the directory is reachable only from the Nexus "
        "host, set ldap.verify: ssh",
    )


def _exists(conn: Any, dn: str) -> bool | None:
    """Whether the entry exists (None: the directory would not say)."""
    try:
        found = conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=[])
    except ldap_errors.LDAPException:
        return None
    if found:
        return True
    return False if conn.result.get("result") == 32 else None


def _bind(server: ldap3.Server, ldap: LdapSettings, password: str | None, url: str) -> Any:
    conn = _connection(server, ldap, password)
    try:
        conn.open()
        bound = conn.bind()
    except ldap_errors.LDAPException as error:
        raise _StopError(_open_problem(ldap, url, error)) from None
    if bound:
        return conn
    result = conn.result
    answer = f"{result.get('description')} ({result.get('result')}) {result.get('message') or ''}".strip()
    conn.unbind()
    if result.get("result") == 34:
        raise _stop(
            "ldap.bindDn",
            f"'{ldap.bind_dn}' is not a DN the directory accepts: {answer}",
            "write the full DN, e.g. uid=nexus,ou=services,dc=example,dc=com",
        )
    if result.get("result") != 49:
        raise _stop("ldap.bindDn", f"the bind as {ldap.bind_dn} failed: {answer}", "check ldap.bindDn")
    # invalidCredentials is the same answer for an unknown DN and a wrong password. An anonymous
    # client may tell them apart, but only where the directory shows it entries: a directory that
    # hides them (Active Directory, hardened OpenLDAP) answers noSuchObject for an entry that exists.
    anonymous = _connection(server, ldap, None, anonymous=True)
    try:
        evidence = _bind_dn_evidence(anonymous, ldap.bind_dn or "") if anonymous.bind() else None
    except ldap_errors.LDAPException:
        evidence = None
    finally:
        anonymous.unbind()
    if evidence is True:
        raise _stop(
            "ldap.bindPassword",
            f"the directory refused the password of {ldap.bind_dn} ({answer})",
            f"set the right one: pulumi config set --secret --path '{PROJECT}:ldap.bindPassword'",
        )
    if isinstance(evidence, tuple):
        missing, seen = evidence
        raise _stop(
            "ldap.bindDn",
            f"the directory refused the bind ({answer}) and has no entry {missing} ({seen})",
            "correct ldap.bindDn to the service account's DN",
        )
    raise _stop(
        "ldap.bindPassword",
        f"the directory refused the bind as {ldap.bind_dn} ({answer}): the password is wrong or there "
        "is no such entry, and the directory does not show anonymous clients which (it hides its entries "
        "from them)",
        f"check ldap.bindDn against the directory, then set the password again: pulumi config set "
        f"--secret --path '{PROJECT}:ldap.bindPassword'",
    )


def _children(conn: Any, dn: str) -> list[str] | None:
    """The DNs an anonymous client sees right under ``dn`` (None: it sees none, or not all)."""
    try:
        found = conn.search(dn, "(objectClass=*)", search_scope=ldap3.LEVEL, attributes=[], size_limit=1000)
    except ldap_errors.LDAPException:
        return None
    if not found or conn.result.get("result") != 0:
        return None
    return [str(item["dn"]) for item in conn.response or () if item.get("type") == "searchResEntry"]


def _bind_dn_evidence(conn: Any, bind_dn: str) -> bool | tuple[str, str] | None:
    """What an anonymous client can tell about the bind DN: True, it exists; (DN, evidence), there
    is no such entry on its path (the nearest ancestor whose children anonymous clients are shown
    does not have it); None, the directory does not say (it hides its entries)."""
    if _exists(conn, bind_dn):
        return True
    try:
        rdns = [f"{attr}={value}" for attr, value, _ in parse_dn(bind_dn)]
    except ldap_errors.LDAPException:
        return None
    for depth in range(1, len(rdns)):
        parent = ",".join(rdns[depth:])
        seen = _children(conn, parent)
        if seen is None:
            continue  # hidden from anonymous clients, or absent: look higher up
        on_path = ",".join(rdns[depth - 1 :])
        if on_path.lower() in {child.lower() for child in seen}:
            return None  # it exists, and what is under it is hidden: nothing proven
        near = _suggest(rdns[depth - 1], [child.split(",", 1)[0] for child in seen]).strip()
        return (
            on_path,
            f"anonymous clients see {len(seen)} {'entry' if len(seen) == 1 else 'entries'} under {parent}"
            + (f"; {near}" if near else ""),
        )
    return None


def _entries(conn: Any, base: str, search_filter: str, scope: str, attributes: list[str]) -> list[Any]:
    """Every entry (paged); raises _SearchFailedError with the directory's answer."""
    results = conn.extend.standard.paged_search(
        base, search_filter, search_scope=scope, attributes=attributes, paged_size=500, generator=True
    )
    entries = []
    for item in results:
        if item.get("type") == "searchResEntry":
            entries.append(item)
            if len(entries) >= MAX_USERS_COUNTED:
                break
    result = conn.result or {}
    if result.get("result") not in (0, None):
        raise _SearchFailedError(result)
    return entries


class _SearchFailedError(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(f"{result.get('description')} ({result.get('result')})")


def _values(entry: dict[str, Any], attribute: str) -> list[str]:
    for name, value in (entry.get("attributes") or {}).items():
        if name.lower() == attribute.lower():
            return [str(item) for item in (value if isinstance(value, list) else [value])]
    return []


def _first_values(entries: list[dict[str, Any]], attribute: str, what: str, key: str, fix: str) -> list[str]:
    """Each entry's first ``attribute`` value; stop at ``key`` when none of the entries has one."""
    values = [value for entry in entries for value in _values(entry, attribute)[:1]]
    if not values:
        raise _stop(key, f"none of the {len(entries)} {what} has the attribute {attribute}", fix)
    return values


def _check_base(conn: Any, ldap: LdapSettings, key: str, relative: str, what: str) -> str:
    base = join_dn(relative, ldap.search_base)
    if _exists(conn, ldap.search_base) is False:
        raise _stop(
            "ldap.searchBase",
            f"the directory has no entry {ldap.search_base}",
            "set ldap.searchBase to the directory's base DN (e.g. dc=example,dc=com)",
        )
    if _exists(conn, base) is False:
        raise _stop(
            key,
            f"the directory has no entry {base}",
            f"set {key} to where the {what} are, relative to searchBase",
        )
    return base


def _users(conn: Any, ldap: LdapSettings, report: DirectoryReport) -> list[dict[str, Any]]:
    base = _check_base(conn, ldap, "ldap.userBaseDn", ldap.user_base_dn, "users")
    wanted = user_filter(ldap)
    report.user_base, report.user_filter = base, wanted
    attributes = [ldap.user_id_attribute]
    if ldap.group_type == "dynamic":
        attributes.append(ldap.user_member_of_attribute)
    scope = _scope(ldap.user_subtree)
    try:
        users = _entries(conn, base, wanted, scope, attributes)
    except ldap_errors.LDAPInvalidFilterError as error:
        raise _stop(
            "ldap.userLdapFilter",
            f"'{ldap.user_ldap_filter}' is not an LDAP filter ({error})",
            "fix its syntax, e.g. (memberOf=cn=staff,ou=groups,dc=example,dc=com)",
        ) from None
    except _SearchFailedError as error:
        raise _stop(
            "ldap.userLdapFilter",
            f"the user search {wanted} under {base} failed: {error}",
            "check ldap.userObjectClass and ldap.userLdapFilter",
        ) from None
    if not users:
        of_class = _entries(conn, base, f"(objectClass={ldap.user_object_class})", scope, [])
        if ldap.user_ldap_filter and of_class:
            raise _stop(
                "ldap.userLdapFilter",
                f"{wanted} matches none of the {len(of_class)} {ldap.user_object_class} entries under {base}",
                "correct the filter, or leave it empty",
            )
        if not ldap.user_subtree and _entries(
            conn, base, f"(objectClass={ldap.user_object_class})", ldap3.SUBTREE, []
        ):
            raise _stop(
                "ldap.userSubtree",
                f"no {ldap.user_object_class} entries directly under {base}, only deeper",
                "set ldap.userSubtree: true",
            )
        anything = _entries(conn, base, "(objectClass=*)", scope, ["objectClass"])
        classes = sorted({c for entry in anything for c in _values(entry, "objectClass")} - {"top"})
        raise _stop(
            "ldap.userObjectClass",
            f"no {ldap.user_object_class} entries under {base}"
            + (f" (its entries are of class {_listing(classes)})" if classes else " (it is empty)"),
            "set ldap.userObjectClass (and userBaseDn) to where the directory keeps people",
        )
    ids = _first_values(
        users,
        ldap.user_id_attribute,
        f"users under {base}",
        "ldap.userIdAttribute",
        "set ldap.userIdAttribute to the attribute holding the login name (uid, sAMAccountName)",
    )
    report.users_found = len(users)
    report.sample_ids = sorted(ids)[:SAMPLE_SIZE]
    return users


def _static_groups(
    conn: Any,
    ldap: LdapSettings,
    report: DirectoryReport,
    users: list[dict[str, Any]],
    named: list[NamedGroup],
) -> None:
    base = _check_base(conn, ldap, "ldap.groupBaseDn", ldap.group_base_dn, "groups")
    scope = _scope(ldap.group_subtree)
    of_class = f"(objectClass={ldap.group_object_class})"
    groups = _entries(conn, base, of_class, scope, [ldap.group_id_attribute, ldap.group_member_attribute])
    if not groups:
        with_member_of = (
            [u for u in users if _values(u, ldap.user_member_of_attribute)]
            if ldap.user_member_of_attribute
            else []
        )
        if not with_member_of:
            with_member_of = _entries(
                conn,
                report.user_base,
                f"(&{user_filter(ldap)}({ldap.user_member_of_attribute}=*))",
                _scope(ldap.user_subtree),
                [],
            )
        if with_member_of:
            raise _stop(
                "ldap.groupType",
                f"static: no {ldap.group_object_class} entries under {base}, but "
                f"{len(with_member_of)} users carry {ldap.user_member_of_attribute}",
                "set ldap.groupType: dynamic",
            )
        raise _stop(
            "ldap.groupObjectClass",
            f"no {ldap.group_object_class} entries under {base}",
            "set ldap.groupBaseDn and ldap.groupObjectClass to where and what the directory's groups are",
        )
    names = _first_values(
        groups, ldap.group_id_attribute, f"groups under {base}", "ldap.groupIdAttribute",
        "set ldap.groupIdAttribute (usually cn)",
    )  # fmt: skip
    # One user's groups, as Nexus asks: groups whose member attribute holds the user's DN or id.
    members = {v.lower() for group in groups for v in _values(group, ldap.group_member_attribute)}
    if not members:
        raise _stop(
            "ldap.groupMemberAttribute",
            f"no group under {base} has the attribute {ldap.group_member_attribute}",
            "set ldap.groupMemberAttribute (member, uniqueMember or memberUid)",
        )

    # One user's groups, asked as Nexus asks: the groups whose member attribute holds the user's DN
    # or id. Users the member values name (compared as text) first, then the first few of all.
    def groups_of(dn: str, uid: str) -> list[Any]:
        value = escape_filter_chars(member_value(ldap, dn, uid))
        found = f"(&{of_class}({ldap.group_member_attribute}={value}))"
        return _entries(conn, base, found, scope, [ldap.group_id_attribute])

    people = sorted(
        ((str(u["dn"]), ids[0]) for u in users if (ids := _values(u, ldap.user_id_attribute))),
        key=lambda person: (member_value(ldap, *person).lower() not in members, person[0]),
    )
    sample = next(((uid, mine) for dn, uid in people[:SAMPLE_TRIES] if (mine := groups_of(dn, uid))), None)
    if sample is None:
        raise _stop(
            "ldap.groupMemberFormat",
            f"the groups' {ldap.group_member_attribute} values name none of the users as "
            f"{ldap.group_member_format} (e.g. {sorted(members)[0]})",
            "set ldap.groupMemberFormat to ${dn} when members are DNs, ${username} when they are login names",
        )
    uid, mine = sample
    report.sample_user = uid
    report.sample_groups = sorted(v for g in mine for v in _values(g, ldap.group_id_attribute)[:1])
    _named(
        report, named, names, f"no {ldap.group_object_class} with {ldap.group_id_attribute}={{}} under {base}"
    )
    _nested(report, ldap, named, groups)


def _dn_key(dn: str) -> str:
    """A DN as compared: attribute types and values lowercased, spaces around them dropped."""
    try:
        return ",".join(f"{attr.strip().lower()}={value.strip().lower()}" for attr, value, _ in parse_dn(dn))
    except ldap_errors.LDAPException:
        return dn.strip().lower()


def _nested(report: DirectoryReport, ldap: LdapSettings, named: list[NamedGroup], groups: list[Any]) -> None:
    """A static group's members that are groups themselves: Nexus takes member values as they are
    and never looks inside a member group, so that group's users get nothing through this one.
    Fine when the member groups are named under the same key too (their users get it from them)."""
    name_of = {_dn_key(str(g["dn"])): ids[0] for g in groups if (ids := _values(g, ldap.group_id_attribute))}
    for group in named:
        entries = [
            g
            for g in groups
            if group.name.lower() in (v.lower() for v in _values(g, ldap.group_id_attribute)[:1])
        ]
        members = [v for g in entries for v in _values(g, ldap.group_member_attribute)]
        inner = sorted({name_of[key] for v in members if (key := _dn_key(v)) in name_of})
        list_key = group.key.rsplit("[", 1)[0]
        same_key = {g.name.lower() for g in named if g.key.rsplit("[", 1)[0] == list_key}
        missing = [name for name in inner if name.lower() not in same_key]
        if not missing:
            continue
        others = len(members) - sum(1 for v in members if _dn_key(v) in name_of)
        quoted = ", ".join(repr(name) for name in missing)
        report.problems.append(
            Problem(
                group.key,
                f"the group '{group.name}' has {len(inner)} member(s) that are groups ({', '.join(inner)}) "
                f"and {others} other(s); with ldap.groupType static Nexus does not look inside "
                f"member groups, so their users get nothing through '{group.name}'",
                f"add {quoted} to {list_key} as well, or make their users direct members of '{group.name}'",
            )
        )


def _dynamic_groups(
    conn: Any,
    ldap: LdapSettings,
    report: DirectoryReport,
    users: list[dict[str, Any]],
    named: list[NamedGroup],
) -> None:
    attribute = ldap.user_member_of_attribute
    per_user = {
        _values(u, ldap.user_id_attribute)[0]: [group_name_of(dn) for dn in _values(u, attribute)]
        for u in users
        if _values(u, ldap.user_id_attribute)
    }
    names = sorted({name for groups in per_user.values() for name in groups})
    if not names:
        static = _entries(
            conn,
            ldap.search_base,
            "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
            ldap3.SUBTREE,
            [],
        )
        if static:
            raise _stop(
                "ldap.groupType",
                f"dynamic: none of the {len(users)} users has {attribute}, but the directory has "
                f"{len(static)} groups that list their members",
                "set ldap.groupType: static (and groupBaseDn, groupObjectClass, groupMemberAttribute)",
            )
        raise _stop(
            "ldap.userMemberOfAttribute",
            f"none of the {len(users)} users has {attribute}",
            "set ldap.userMemberOfAttribute to the attribute that lists a user's groups",
        )
    uid = next(u for u in sorted(per_user) if per_user[u])
    report.sample_user, report.sample_groups = uid, sorted(per_user[uid])
    _named(report, named, names, f"no user has {attribute} naming a group {{}}")


def _named(report: DirectoryReport, named: list[NamedGroup], known: list[str], missing: str) -> None:
    lowered = {name.lower() for name in known}
    for group in named:
        if group.name.lower() in lowered:
            if group.name not in report.groups_found:
                report.groups_found.append(group.name)
            continue
        report.problems.append(
            Problem(
                group.key,
                f"the directory has {missing.format(repr(group.name))} (it has {_listing(known)})",
                f"{_suggest(group.name, known)}correct the name or create the group in the directory",
            )
        )


def check_directory(
    ldap: LdapSettings,
    named: Sequence[NamedGroup] = (),
    *,
    password: str | None = None,
    via: tuple[str, int] | None = None,
) -> DirectoryReport:
    """Check the settings against the directory. ``password``: the bind password (default the
    settings' one); ``via``: (host, port) to connect to instead, e.g. the local end of an SSH tunnel
    (TLS still verifies the certificate against ``ldap.host``)."""
    if password is None and ldap.bind_password is not None:
        password = ldap.bind_password.get_secret_value()
    url = f"{ldap.protocol}://{ldap.host}:{ldap.resolved_port}"
    report = DirectoryReport(url=url, bind_dn=ldap.bind_dn if ldap.auth_scheme != "NONE" else None)
    if ldap.auth_scheme in ("DIGEST_MD5", "CRAM_MD5"):
        report.problems.append(
            Problem(
                "ldap.authScheme",
                f"{ldap.auth_scheme} is not checked here",
                "use SIMPLE over ldaps, or set ldap.verify: skip",
            )
        )
        return report
    host, port = via or (ldap.host, ldap.resolved_port)
    conn = None
    try:
        conn = _bind(_server(ldap, host, port), ldap, password, url)
        users = _users(conn, ldap, report)
        if ldap.group_type == "static":
            _static_groups(conn, ldap, report, users, list(named))
        else:
            _dynamic_groups(conn, ldap, report, users, list(named))
    except _StopError as stop:
        report.problems.append(stop.problem)
    except (ldap_errors.LDAPException, _SearchFailedError) as error:
        report.problems.append(
            Problem(
                "ldap",
                f"the directory at {url} failed: {type(error).__name__}: {error}",
                "check the ldap settings",
            )
        )
    finally:
        if conn is not None:
            conn.unbind()
    for index, problem in enumerate(report.problems):  # never echo the password, whatever a server says
        report.problems[index] = Problem(
            problem.key, _scrub(problem.answer, password), _scrub(problem.fix, password)
        )
    return report


@contextmanager
def directory_route(
    ldap: LdapSettings, docker_host: str, private_key: str | None = None
) -> Iterator[tuple[str, int] | None]:
    """Where to connect: directly (None), or for ``verify: ssh`` the local end of an SSH tunnel
    through the ``dockerHost`` to the directory, so the check starts from the Nexus host."""
    if ldap.verify != "ssh":
        yield None
        return
    with ssh_tunnel(docker_host, ldap.host, ldap.resolved_port, private_key=private_key) as local:
        yield local


# ---------------------------------------------------------------- scripts/check-ldap


def stack_secret(value: Any, key: str, stack: str | None, project_dir: Path = PROJECT_DIR) -> str | None:
    """A secret of the stack file: as written when plaintext, else decrypted by
    ``scripts/pulumi config get`` (the stack's backend and passphrase, as for every command)."""
    if value is None:
        return None
    plain = str(value.get_secret_value())
    if plain != ENCRYPTED:
        return plain
    if stack is None:
        raise RuntimeError(f"{PROJECT}:{key} is encrypted and a --stack-file names no stack to decrypt it")
    result = subprocess.run(
        [
            str(PROJECT_DIR / "scripts" / "pulumi"),
            "config",
            "get",
            "--path",
            f"{PROJECT}:{key}",
            "--stack",
            stack,
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=1800,  # the first run may build the engine
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        raise RuntimeError(f"cannot read {PROJECT}:{key} of stack {stack}: {last}")
    return result.stdout.removesuffix("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="check-ldap",
        description="Check a stack's ldap settings against the directory (what `pulumi up` checks "
        f"before Nexus gets them). The bind password comes from ${PASSWORD_ENV} or the stack's "
        "secret config (PULUMI_CONFIG_PASSPHRASE); it is never printed.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("stack", nargs="?", help="stack name: reads Pulumi.<stack>.yaml of the project")
    target.add_argument("--stack-file", type=Path, help="path of a Pulumi.<stack>.yaml to read instead")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    path: Path = options.stack_file or options.project_dir / f"Pulumi.{options.stack}.yaml"
    try:
        settings = load_stack_file(path)
    except (SettingsError, OSError, yaml.YAMLError) as error:
        print(f"check-ldap: {path.name}: {error}", file=sys.stderr)
        return 2
    if settings.ldap is None:
        print(f"check-ldap: {path.name}: no ldap server is configured (key {PROJECT}:ldap)", file=sys.stderr)
        return 2
    ldap = settings.ldap
    try:
        password = os.environ.get(PASSWORD_ENV) or stack_secret(
            ldap.bind_password, "ldap.bindPassword", options.stack, options.project_dir
        )
        key = (
            stack_secret(settings.ssh_private_key, "sshPrivateKey", options.stack, options.project_dir)
            if ldap.verify == "ssh"
            else None
        )
    except RuntimeError as error:  # no stack, no passphrase: say so in one line
        print(f"check-ldap: {error} (or set {PASSWORD_ENV})", file=sys.stderr)
        return 2
    try:
        with directory_route(ldap, settings.docker_host, key) as via:
            report = check_directory(ldap, named_groups(settings), password=password, via=via)
    except (ShellError, TimeoutError) as error:  # the SSH tunnel of `verify: ssh`: one line, as above
        print(f"check-ldap: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
