"""Create/read/update/delete/diff/check written once for every Nexus kind.

A kind is a subclass of :class:`NexusProvider` that declares its input model (pydantic), its
API paths, which fields force replacement, which fields Nexus never returns (write-only, carried
over from the inputs), and two pure mappers: ``to_api(spec)`` and ``from_api(body, previous)``.

Resource properties are the spec's fields (snake_case) plus:
- ``connection``: url/username/password/ca_pem (a secret input, so a secret in the state);
- ``adopt``: manage an object that already exists instead of failing on create;
- ``adopted`` (output only): true when create found the object already there. ``delete`` then
  *releases* it (leaves it in Nexus, as it found it there) instead of deleting it, so a
  ``pulumi destroy`` never removes Nexus's own objects (e.g. its default Maven repositories).
"""

from __future__ import annotations

import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

import pydantic
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)
from pulumi.output import Unknown

from dynamic_providers.client import (
    Connection,
    NexusClient,
    NexusConnectionError,
    NexusError,
    NotFoundError,
    ServerError,
    ValidationError,
)
from dynamic_providers.errors import OneLineErrors, ProviderError
from dynamic_providers.names import key_path

__all__ = ["ProviderError"]  # defined with the one-line error handling; raised by every kind

CONTROL_FIELDS = ("connection", "adopt")
ADOPTED = "adopted"
# Nexus answers a DELETE with 500 "Invalid state: STOPPED; allowed: [STARTED]" while a repository
# it is still stopping (e.g. right after its group was deleted) is touched again: retried, bounded.
TRANSIENT_DELETE_STATE = "Invalid state:"
DELETE_ATTEMPTS = 6
DELETE_BACKOFF_SECONDS = 1.0
# The engine's placeholder for values not known during preview.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Spec(pydantic.BaseModel):
    """Base of every kind's inputs: unknown fields are errors, values are normalised on parse."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


SpecT = TypeVar("SpecT", bound=Spec)


def report_to_stderr(message: str) -> None:
    # The dynamic provider process has no engine connection: stderr is where its lines show up.
    print(message, file=sys.stderr, flush=True)


def _contains_unknown(value: Any) -> bool:
    # The provider host deserializes unknowns (preview) as pulumi.output.Unknown objects; the
    # sentinel string is what they look like when serialized.
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(_contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(item) for item in value)
    return False


def check_failures(error: pydantic.ValidationError) -> list[CheckFailure]:
    """Pydantic's errors as the engine's check failures, each naming its property."""
    return [
        CheckFailure(key_path(tuple(item["loc"])) or "(inputs)", item["msg"].removeprefix("Value error, "))
        for item in error.errors()
    ]


class NexusProvider(OneLineErrors, ABC, Generic[SpecT]):
    """Generic CRUD for one Nexus object kind. Stateless: safe to pickle by reference."""

    kind: ClassVar[str]  # human name, e.g. "blob store"
    spec_model: ClassVar[type[Spec]]
    replace_fields: ClassVar[tuple[str, ...]] = ("name",)
    write_only_fields: ClassVar[tuple[str, ...]] = ()
    # Look before the POST only where Nexus does not refuse a second object of the same name
    # (tasks) or where its answer to one is not confirmed; elsewhere the refused POST tells.
    find_before_create: ClassVar[bool] = False

    # ------------------------------------------------------------ what a kind declares

    @abstractmethod
    def object_id(self, spec: SpecT) -> str:
        """The id Pulumi stores; for most kinds the name."""

    @abstractmethod
    def find(self, client: NexusClient, spec: SpecT) -> tuple[str, Any] | None:
        """(id, body) of the existing object the spec describes, or None."""

    @abstractmethod
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        """The API body of the object with this id, or None when it is gone (404)."""

    @abstractmethod
    def create_object(self, client: NexusClient, spec: SpecT) -> str | None:
        """POST; returns the new id when Nexus makes one up (tasks), else None."""

    @abstractmethod
    def update_object(self, client: NexusClient, object_id: str, spec: SpecT) -> None:
        """PUT the desired state."""

    @abstractmethod
    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        """DELETE; 404 is success."""

    @abstractmethod
    def from_api(self, body: Any, previous: Mapping[str, Any]) -> dict[str, Any]:
        """Spec fields (snake_case) from an API body; write-only fields are filled by the base."""

    def label(self, spec_or_props: SpecT | Mapping[str, Any]) -> str:
        name = (
            spec_or_props.get("name")
            if isinstance(spec_or_props, Mapping)
            else getattr(spec_or_props, "name", None)
        )
        return f"{self.kind} '{name}'"

    def validate_extra(self, spec: SpecT) -> list[tuple[str, str]]:
        """Cross-field rules a kind may add; (property, reason) pairs."""
        return []

    def describe_delete_error(self, error: NexusError, props: Mapping[str, Any]) -> str | None:
        return None

    def ensure_supported(self, client: NexusClient) -> None:
        """Fail before any write when this Nexus cannot hold the kind (e.g. a Pro-only API)."""

    def missing_api_hint(self, spec: SpecT) -> str:
        """What provides the API when this server answers 404 to a create (a feature it lacks)."""
        return "this edition of Nexus does not have it"

    def _missing_api(self, client: NexusClient, spec: SpecT, error: NotFoundError) -> ProviderError:
        # Nexus answers a path it has no resource for with 404 and an empty body: on a create
        # that is a missing feature (a format, LDAP), not a missing object.
        server = client.server if client.server.version else client.server_info()
        call = f"{error.method} {error.path} -> 404" if error.method else "404"
        return ProviderError(
            f"{self.label(spec)}: this Nexus ({server.describe()}, {server.edition_name}) has no API for "
            f"it ({call}): {self.missing_api_hint(spec)}. Nothing was changed."
        )

    # ------------------------------------------------------------ helpers

    def parse(self, props: Mapping[str, Any]) -> SpecT:
        fields = {k: v for k, v in props.items() if k not in CONTROL_FIELDS and not k.startswith("__")}
        return self.spec_model.model_validate(fields)  # type: ignore[return-value]

    @contextmanager
    def client(self, props: Mapping[str, Any]) -> Iterator[NexusClient]:
        client = NexusClient(Connection.from_props(props), resource=self.label(props))
        try:
            yield client
        finally:
            client.close()

    def outputs(self, spec_fields: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = dict(spec_fields)
        for name in self.write_only_fields:
            out[name] = props.get(name)
        for name in CONTROL_FIELDS:
            if name in props:
                out[name] = props[name]
        if props.get(ADOPTED):
            out[ADOPTED] = True
        return out

    def observed(self, body: Any, props: Mapping[str, Any]) -> dict[str, Any]:
        """Normalised spec fields of what Nexus holds, with write-only fields from props."""
        fields = self.from_api(body, props)
        for name in self.write_only_fields:
            fields[name] = props.get(name)
        return self.parse(fields).model_dump()

    # ------------------------------------------------------------ the engine's calls

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        if not isinstance(news.get("connection"), Mapping) and not _contains_unknown(news.get("connection")):
            failures.append(CheckFailure("connection", "is required (url, username, password)"))
        if _contains_unknown({k: v for k, v in news.items() if k not in CONTROL_FIELDS}):
            return CheckResult(news, failures)  # preview with unknown inputs: validated at `up`
        try:
            spec = self.parse(news)
        except pydantic.ValidationError as error:
            return CheckResult(news, failures + check_failures(error))
        failures.extend(CheckFailure(prop, reason) for prop, reason in self.validate_extra(spec))
        normalised = {**{k: v for k, v in news.items() if k in CONTROL_FIELDS or k.startswith("__")}}
        normalised.update(spec.model_dump())
        return CheckResult(normalised, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if _contains_unknown({k: v for k, v in news.items() if k not in CONTROL_FIELDS}):
            return DiffResult(changes=True)
        new_spec = self.parse(news).model_dump()
        try:
            old_spec = self.parse(
                {k: v for k, v in olds.items() if k in self.spec_model.model_fields}
            ).model_dump()
        except pydantic.ValidationError:
            old_spec = {}
        changed = [name for name in new_spec if old_spec.get(name) != new_spec[name]]
        replaces = [name for name in changed if name in self.replace_fields]
        # New credentials are stored without any API write (see update), so later reads use them.
        if olds.get("connection") != news.get("connection") and not _contains_unknown(news.get("connection")):
            changed.append("connection")
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        # One write and one read for a new object: the POST itself tells whether the name is
        # taken (Nexus refuses a duplicate), and only a refused or unanswered POST costs a lookup.
        # Adoption and kinds Nexus does not refuse duplicates of look first (find_before_create).
        spec: SpecT = self.parse(props)
        with self.client(props) as client:
            self.ensure_supported(client)
            existing: tuple[str, Any] | None = None
            if self.find_before_create or props.get("adopt"):
                # Adopting expects the object there: look first, so a refusal writes nothing.
                try:
                    existing = self.find(client, spec)
                except NotFoundError as error:
                    raise self._missing_api(client, spec, error) from None
            if existing is None:
                try:
                    object_id = self.create_object(client, spec) or self.object_id(spec)
                except NotFoundError as error:
                    raise self._missing_api(client, spec, error) from None
                except NexusConnectionError:
                    # The POST may have been applied before the answer was lost: look before failing.
                    found = self.find(client, spec)
                    if found is None:
                        raise
                    object_id = found[0]
                except (ValidationError, ServerError):
                    # Refused: "already exists" (400, or 500 for a user) or any other reason. One
                    # lookup tells them apart; anything but an existing object keeps Nexus's answer.
                    existing = self.find(client, spec)
                    if existing is None:
                        raise
            if existing is not None:
                object_id = existing[0]
                props = self._take_over(client, spec, existing, props)
            body = self.fetch(client, object_id, props)
            if body is None:
                raise ProviderError(f"{self.label(spec)} was created but Nexus does not return it")
            return CreateResult(object_id, self.outputs(self.observed(body, props), props))

    def _take_over(
        self, client: NexusClient, spec: SpecT, existing: tuple[str, Any], props: dict[str, Any]
    ) -> dict[str, Any]:
        """Adopt the object already in Nexus (its desired state written over it), or refuse."""
        if not props.get("adopt"):
            raise ProviderError(
                f"{self.label(spec)} already exists in Nexus at {client.connection.url}. "
                "To manage the existing object, set the stack config key `nexus.adoptExisting: "
                "true` (every object) or, for a repository, `repositories[].adopt: true`, and run "
                "`pulumi up` again; nothing was changed."
            )
        self._check_adoptable(spec, existing[1], props)
        self.update_object(client, existing[0], spec)
        return {**props, ADOPTED: True}

    def _check_adoptable(self, spec: SpecT, body: Any, props: Mapping[str, Any]) -> None:
        """Refuse, before any write, to adopt an object whose fixed fields differ from the spec."""
        try:
            found = self.observed(body, props)
        except (pydantic.ValidationError, AttributeError, TypeError):
            return  # another kind under the same name: the update says what Nexus refuses
        wanted = spec.model_dump()
        fixed = [
            name for name in self.replace_fields if name != "name" and found.get(name) != wanted.get(name)
        ]
        if fixed:
            differences = ", ".join(
                f"{name} {found.get(name)!r} (the stack says {wanted.get(name)!r})" for name in fixed
            )
            raise ProviderError(
                f"{self.label(spec)} already exists in Nexus with {differences}; Nexus cannot change "
                "that in place, so it cannot be adopted as configured. Set the same value in the stack "
                "config, or give the object another name; nothing was changed."
            )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self.client(props) as client:
            body = self.fetch(client, id_, props)
            if body is None:
                return ReadResult(None, {})  # gone: refresh drops it, the next `up` recreates it
            fields = self.observed(body, props)
            outs = self.outputs(fields, props)
            inputs = {k: outs[k] for k in outs if k in self.spec_model.model_fields or k in CONTROL_FIELDS}
            return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spec: SpecT = self.parse(news)
        old_fields = {k: v for k, v in olds.items() if k in self.spec_model.model_fields}
        gone = ProviderError(
            f"{self.label(spec)} no longer exists in Nexus (deleted outside Pulumi?); run `pulumi refresh` "
            "then `pulumi up` to recreate it"
        )
        with self.client(news) as client:
            if not self._matches(old_fields, spec):
                self.ensure_supported(client)
                try:
                    self.update_object(client, id_, spec)
                except NotFoundError:
                    if self.fetch(client, id_, news) is None:
                        raise gone from None
                    raise
            body = self.fetch(client, id_, news)
            if body is None:
                raise gone
            carried = {**news, ADOPTED: True} if olds.get(ADOPTED) else news
            return UpdateResult(self.outputs(self.observed(body, news), carried))

    def _matches(self, fields: Mapping[str, Any], spec: SpecT) -> bool:
        """Whether recorded fields already equal the spec (then only credentials changed)."""
        try:
            return bool(fields) and self.parse(fields).model_dump() == spec.model_dump()
        except pydantic.ValidationError:
            return False

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get(ADOPTED):
            return  # it was in Nexus before this stack: released, left as it is
        with self.client(props) as client:
            for attempt in range(1, DELETE_ATTEMPTS + 1):
                try:
                    self.delete_object(client, id_, props)
                    return
                except NexusError as error:
                    transient = isinstance(error, ServerError) and TRANSIENT_DELETE_STATE in error.detail
                    if transient and attempt < DELETE_ATTEMPTS:
                        time.sleep(DELETE_BACKOFF_SECONDS * attempt)
                        continue
                    explained = self.describe_delete_error(error, props)
                    if explained:
                        raise ProviderError(explained) from None
                    raise


class SingletonProvider(NexusProvider[SpecT]):
    """A setting that always exists in Nexus (active realms, anonymous access).

    There is nothing to find or adopt: create writes the desired state over whatever Nexus has,
    and delete puts back the setting Nexus starts with (see each kind's ``restore_default``), so
    `pulumi destroy` leaves a working server.
    """

    singleton_id: ClassVar[str]
    replace_fields: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        """Write Nexus's default value of the setting back."""

    def label(self, spec_or_props: SpecT | Mapping[str, Any]) -> str:
        return self.kind

    def object_id(self, spec: SpecT) -> str:
        return self.singleton_id

    def find(self, client: NexusClient, spec: SpecT) -> tuple[str, Any] | None:
        return None  # always present: create is a write of the desired state, never an adoption

    def create_object(self, client: NexusClient, spec: SpecT) -> str | None:
        self.update_object(client, self.singleton_id, spec)
        return None

    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        self.restore_default(client, props)
