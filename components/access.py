"""Access control from the stack config: realms, LDAP, content selectors, privileges, roles, LDAP
group mappings, robots, anonymous.

The plan is a pure function (:func:`access_plan`) so it is tested without Pulumi:

* Realms, in order: local accounts, LDAP (when configured), Docker Bearer Token (``docker login``).
* Roles: ``docker-pull`` may pull from ``docker-all``; per team ``docker-<team>-push`` may push to
  and pull from the team's release and latest repositories (repository view privileges
  ``nx-repository-view-docker-<repo>-{browse,read,add,edit}``, which Nexus creates with each
  repository) and contains ``docker-pull``.
* LDAP groups: Nexus (with ``ldapGroupsAsRoles``) looks an LDAP user's groups up as role ids, so
  each group named in the config becomes a role with the group's name that contains the roles the
  config grants it (the REST equivalent of the UI's "External Role Mapping"). Staff rotation is then
  a change of group membership in the directory.
* Content selectors, privileges and roles of the config (``contentSelectors``, ``privileges``,
  ``roles``), and the teams' paths: per repository with ``teamPaths`` (and ``docker-shared`` with
  ``docker.sharedPort``) each team gets a selector of its own path and a content-selector privilege
  over it, which its push role grants (:func:`team_paths`). Created selectors, then privileges (each
  after its repository), then roles, then users.
* Robots: local users with their team roles (and ``docker-pull``); passwords are stack secrets.
* Anonymous access: off unless ``access.anonymousPull``; the anonymous user only ever has
  ``docker-pull``.

Security first. A fresh Nexus has anonymous access on and no ``DockerToken`` realm, so the
realms, the LDAP server and the switching off of anonymous access (``AnonymousLockdown``) need
nothing but the first run and are applied before any repository: :class:`AccessControl` creates
them at once and exposes them as :attr:`AccessControl.baseline`, which the registry waits for
(``depends_on``). Roles reference repository privileges, users their roles, and anonymous access
the roles of the anonymous user, so :meth:`AccessControl.grant` creates them after the registry; a
failure anywhere in the registry then leaves access locked down, never open. (With
``access.anonymousPull`` the lockdown leaves on what the stack switched on before: an anonymous
user with exactly ``docker-pull``; anonymous access is switched on again after that role.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components.options import NexusComponent, PlanArgs
from components.registry import PULL_GROUP
from dynamic_providers.anonymous import AnonymousAccess, AnonymousAccessSpec
from dynamic_providers.content_selectors import ContentSelector, ContentSelectorSpec
from dynamic_providers.ldap import LdapServer, LdapServerSpec
from dynamic_providers.lockdown import AnonymousLockdown
from dynamic_providers.privileges import CONTENT_SELECTOR_TYPE, Privilege, PrivilegeSpec
from dynamic_providers.realms import ActiveRealms, RealmsSpec, active_realms
from dynamic_providers.roles import (
    BREAD_PULL,
    BREAD_PUSH,
    Role,
    RoleSpec,
    privilege_repositories,
    repository_view_privileges,
)
from dynamic_providers.users import User, UserSpec
from settings import PULL_ROLE, LdapSettings, StackSettings, revealed, team_role
from settings.model import SHARED_DOCKER_REPOSITORY, team_paths_name

ADMIN_ROLE = "nx-admin"
NEXUS_ANONYMOUS_ROLE = "nx-anonymous"  # Nexus's own; the anonymous user's role without Docker


@dataclass(frozen=True)
class AccessPlan:
    realms: RealmsSpec
    anonymous: AnonymousAccessSpec
    ldap: LdapServerSpec | None
    roles: list[RoleSpec] = field(default_factory=list)  # contained roles come first
    users: list[UserSpec] = field(default_factory=list)
    content_selectors: list[ContentSelectorSpec] = field(default_factory=list)
    privileges: list[PrivilegeSpec] = field(default_factory=list)  # for the roles to grant


def ldap_spec(ldap: LdapSettings) -> LdapServerSpec:
    return LdapServerSpec(
        name=ldap.name,
        protocol=ldap.protocol,
        host=ldap.host,
        port=ldap.resolved_port,
        search_base=ldap.search_base,
        auth_scheme=ldap.auth_scheme,
        auth_username=ldap.bind_dn,
        auth_password=revealed(ldap.bind_password),
        auth_realm=ldap.auth_realm,
        use_trust_store=ldap.use_trust_store,
        connection_timeout_seconds=ldap.connection_timeout_seconds,
        connection_retry_delay_seconds=ldap.connection_retry_delay_seconds,
        max_incidents_count=ldap.max_incidents_count,
        user_base_dn=ldap.user_base_dn,
        user_subtree=ldap.user_subtree,
        user_object_class=ldap.user_object_class,
        user_ldap_filter=ldap.user_ldap_filter,
        user_id_attribute=ldap.user_id_attribute,
        user_real_name_attribute=ldap.user_real_name_attribute,
        user_email_address_attribute=ldap.user_email_address_attribute,
        ldap_groups_as_roles=True,
        group_type=ldap.group_type,
        group_base_dn=ldap.group_base_dn,
        group_subtree=ldap.group_subtree,
        group_object_class=ldap.group_object_class,
        group_id_attribute=ldap.group_id_attribute,
        group_member_attribute=ldap.group_member_attribute,
        group_member_format=ldap.group_member_format,
        user_member_of_attribute=ldap.user_member_of_attribute,
    )


#: What a team may do under its own path of a shared repository: push (add, and edit what it
#: pushed) and read back; not delete.
TEAM_PATH_ACTIONS = ("BROWSE", "READ", "ADD", "EDIT")


def team_paths_expression(fmt: str, team: str) -> str:
    """The CSEL expression of a team's path: raw ``/<team>/``; maven2 the groupId ``<team>`` and its
    children (``<team>.tools`` is ``/<team>/tools/``); Docker the image names ``<team>/...``
    (``/v2/<team>/``) and the client's version check ``/v2/``, which ``docker login`` and every
    push make first (Sonatype's "Content Selectors and Docker")."""
    if fmt == "docker":
        return f'format == "docker" and (path == "/v2/" or path =^ "/v2/{team}/")'
    return f'format == "{fmt}" and path =^ "/{team}/"'


def team_paths(settings: StackSettings, team: str) -> list[tuple[ContentSelectorSpec, PrivilegeSpec]]:
    """Per repository whose paths are shared among the teams: the team's selector and the
    privilege over it, which the team's push role grants."""
    shared: list[tuple[str, str]] = [
        (repo.name, repo.format) for repo in settings.repositories if repo.team_paths
    ]
    if settings.docker.enabled and settings.docker.shared_port is not None:
        shared.append((SHARED_DOCKER_REPOSITORY, "docker"))
    pairs = []
    for repository, fmt in shared:
        name = team_paths_name(repository, team)
        selector = ContentSelectorSpec(
            name=name,
            description=f"Team {team}'s paths of {repository}",
            expression=team_paths_expression(fmt, team),
        )
        privilege = PrivilegeSpec(
            name=name,
            description=f"Push under team {team}'s paths of {repository}",
            type=CONTENT_SELECTOR_TYPE,
            actions=TEAM_PATH_ACTIONS,
            format=fmt,
            repository=repository,
            content_selector=name,
        )
        pairs.append((selector, privilege))
    return pairs


def stack_roles(settings: StackSettings) -> list[RoleSpec]:
    """The roles of `roles`, each after the roles of `roles` it contains (settings refuse a cycle)."""
    specs = {role.id: role.to_spec() for role in settings.roles}
    ordered: list[RoleSpec] = []

    def visit(role_id: str) -> None:
        spec = specs[role_id]
        if spec in ordered:
            return
        for contained in spec.roles:
            if contained in specs:
                visit(contained)
        ordered.append(spec)

    for role_id in specs:
        visit(role_id)
    return ordered


def platform_roles(settings: StackSettings) -> list[RoleSpec]:
    if not settings.docker.enabled:
        return []  # the roles of this stack are Docker pull/push roles
    roles = [
        RoleSpec(
            role_id=PULL_ROLE,
            description=f"Pull images from {PULL_GROUP}",
            privileges=repository_view_privileges("docker", PULL_GROUP, BREAD_PULL),
        )
    ]
    for team in settings.teams:
        privileges = [
            *repository_view_privileges("docker", team.release_repository, BREAD_PUSH),
            *repository_view_privileges("docker", team.latest_repository, BREAD_PUSH),
            *(privilege.name for _, privilege in team_paths(settings, team.name)),
        ]
        roles.append(
            RoleSpec(
                role_id=team.push_role,
                description=f"Push to and pull from {team.release_repository} and {team.latest_repository}; "
                f"pull from {PULL_GROUP}",
                privileges=tuple(privileges),
                roles=(PULL_ROLE,),
            )
        )
    return roles


def ldap_group_roles(settings: StackSettings) -> list[RoleSpec]:
    """One role per LDAP group named in the config, id = the group's name (settings refuse a
    group that takes the id of one of the stack's or Nexus's roles)."""
    granted: dict[str, set[str]] = {}
    keys: dict[str, str] = {}
    sources = [
        *(
            (f"teams[{i}].ldapGroups", team.ldap_groups, team.push_role)
            for i, team in enumerate(settings.teams)
        ),
        *((f"roles[{i}].ldapGroups", role.ldap_groups, role.id) for i, role in enumerate(settings.roles)),
        ("access.pullLdapGroups", settings.access.pull_ldap_groups, PULL_ROLE),
        ("access.adminLdapGroups", settings.access.admin_ldap_groups, ADMIN_ROLE),
    ]
    for key, groups, role in sources:
        for group in groups:
            granted.setdefault(group, set()).add(role)
            keys.setdefault(group, key)
    return [
        RoleSpec(
            role_id=group,
            description=f"LDAP group {group} (mapped by {keys[group]})",
            roles=tuple(sorted(roles)),
        )
        for group, roles in sorted(granted.items())
    ]


def robot_users(settings: StackSettings) -> list[UserSpec]:
    users = []
    for robot in settings.access.robots:
        roles = {team_role(team) for team in robot.teams} | set(robot.roles)
        if robot.pull:
            roles.add(PULL_ROLE)
        users.append(
            UserSpec(
                user_id=robot.user_id,
                first_name=robot.first_name or robot.user_id,
                last_name=robot.last_name,
                email_address=robot.email_address or f"{robot.user_id}@{settings.domain}",
                password=robot.password.get_secret_value(),
                status="active" if robot.enabled else "disabled",
                roles=tuple(sorted(roles)),
            )
        )
    return users


def access_plan(settings: StackSettings) -> AccessPlan:
    roles = platform_roles(settings) + stack_roles(settings) + ldap_group_roles(settings)
    paths = [pair for team in settings.teams for pair in team_paths(settings, team.name)]
    return AccessPlan(
        realms=RealmsSpec(
            realms=active_realms(ldap=settings.ldap is not None, docker=settings.docker.enabled)
        ),
        anonymous=AnonymousAccessSpec(
            enabled=settings.access.anonymous_pull,
            roles=(PULL_ROLE if settings.docker.enabled else NEXUS_ANONYMOUS_ROLE,),
        ),
        ldap=ldap_spec(settings.ldap) if settings.ldap is not None else None,
        roles=roles,
        users=robot_users(settings),
        content_selectors=[s.to_spec() for s in settings.content_selectors] + [s for s, _ in paths],
        privileges=[p.to_spec() for p in settings.privileges] + [p for _, p in paths],
    )


class AccessArgs(PlanArgs[AccessPlan]):
    """The access plan and whether existing objects are adopted."""

    @classmethod
    def from_settings(cls, settings: StackSettings) -> AccessArgs:
        return cls(plan=access_plan(settings), adopt=settings.nexus.adopt_existing)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name.lower()).strip("-")


class AccessControl(NexusComponent[AccessArgs]):
    """Realms, LDAP server, roles (with LDAP group mappings), robot users and anonymous access.

    Two steps (see the module docstring): the constructor applies the security baseline (LDAP
    server, realms and, unless ``access.anonymousPull``, anonymous access off) right after the first
    run; :meth:`grant` then creates roles, users and the anonymous user's roles after the resources
    given (the registry).
    """

    #: What must be in place before any repository: realms (after LDAP), anonymous access off.
    baseline: list[pulumi.Resource]

    TYPE_TOKEN = "nexus-platform:components:AccessControl"

    def build(self, name: str, args: AccessArgs) -> None:  # outputs: registered by grant
        self._plan = plan = args.plan
        self._adopt = args.adopt
        props = self._connection
        ldap: LdapServer | None = None
        if plan.ldap is not None:
            ldap = LdapServer(
                f"ldap-{_slug(plan.ldap.name)}",
                connection=props,
                spec=plan.ldap,
                adopt=self._adopt,
                opts=self.child(),
            )
        # After the LDAP server: the realm is only useful once there is a directory to ask.
        self._realms = ActiveRealms(
            "realms",
            connection=props,
            spec=plan.realms,
            opts=self.child([ldap]),
        )
        # Off before anything else; when the stack wants it on, left on if the stack set it up.
        keep = plan.anonymous.roles if plan.anonymous.enabled else ()
        lockdown = AnonymousLockdown(
            "anonymous-lockdown", connection=props, keep_roles=keep, opts=self.child()
        )
        self.baseline = [self._realms, lockdown]

    def grant(self, repositories: Mapping[str, pulumi.Resource] | None = None) -> None:
        """Roles (each after the repositories whose privileges it grants, from ``repositories``
        by name), users, and anonymous access with the roles of the anonymous user. Call once.

        Each role waits for its own repositories only, not the whole registry: a dependency on
        the registry component is one on every repository, teams x teams edges in the engine."""
        plan, adopt, connection = self._plan, self._adopt, self._connection
        repositories = repositories or {}
        # Selectors, then the privileges over them (each after its repository), then roles.
        selectors: dict[str, pulumi.Resource] = {
            spec.name: ContentSelector(
                f"content-selector-{_slug(spec.name)}",
                connection=connection,
                spec=spec,
                adopt=adopt,
                opts=self.child(),
            )
            for spec in plan.content_selectors
        }
        privileges: dict[str, Privilege] = {}
        for privilege in plan.privileges:
            needs: list[pulumi.Resource] = [
                resources[name]
                for resources, name in (
                    (selectors, privilege.content_selector),
                    (repositories, privilege.repository),
                )
                if name is not None and name in resources
            ]
            privileges[privilege.name] = Privilege(
                f"privilege-{_slug(privilege.name)}",
                connection=connection,
                spec=privilege,
                adopt=adopt,
                opts=self.child(needs),
            )
        roles: dict[str, Role] = {}
        for spec in plan.roles:
            contained = [roles[role] for role in spec.roles if role in roles]
            grants = [privileges[name] for name in spec.privileges if name in privileges]
            granted_repositories = [
                repositories[name] for name in privilege_repositories(spec.privileges) if name in repositories
            ]
            roles[spec.role_id] = Role(
                f"role-{_slug(spec.role_id)}",
                connection=connection,
                spec=spec,
                adopt=adopt,
                opts=self.child([*granted_repositories, *grants, *contained]),
            )
        users = [
            User(
                f"user-{_slug(spec.user_id)}",
                connection=connection,
                spec=spec,
                adopt=adopt,
                opts=self.child([roles[r] for r in spec.roles if r in roles]),
            )
            for spec in plan.users
        ]
        granted = [roles[role] for role in plan.anonymous.roles if role in roles]
        AnonymousAccess(
            "anonymous-access",
            connection=connection,
            spec=plan.anonymous,
            opts=self.child([*granted, self._realms]),
        )
        self.realms = pulumi.Output.from_input(list(plan.realms.realms))
        self.role_ids = pulumi.Output.from_input(sorted(roles))
        self.user_ids = pulumi.Output.from_input([spec.user_id for spec in plan.users])
        self.anonymous_pull = pulumi.Output.from_input(plan.anonymous.enabled)
        self._users = users
        self.register_outputs(
            {
                "realms": self.realms,
                "roleIds": self.role_ids,
                "userIds": self.user_ids,
                "anonymousPull": self.anonymous_pull,
            }
        )
