"""The generic service: create/read/update/delete/diff/check written once for every Nexus kind.

A kind is a subclass of :class:`NexusProvider` made of declarations (python-gitlab's managers,
go-nexus-client's services are the model): its input model (pydantic), its API paths with
``{id}``, the spec field that names an object, the success codes, which fields force replacement,
which fields Nexus never returns (write-only: carried over from the inputs, secret in the state),
and two pure mappers, ``to_api(spec)`` and ``from_api(body, previous)``. A kind overrides a method
(``find``, ``fetch``, ``update_body``, ...) only where the Nexus API really differs. One generic
resource, :class:`NexusResource`, registers every kind with the engine. How to add a kind:
``docs/adding-a-kind.md``; what each kind holds: ``docs/kinds/``.

Resource properties are the spec's fields (snake_case) plus:
- ``connection``: url/username/ca_pem/timeouts, where Nexus is and how to trust it (the admin
  password comes from the stack config: ``credentials.py``);
- ``adopt``: manage an object that already exists instead of failing on create;
- ``adopted`` (output only): true when create found the object already there. ``delete`` then
  *releases* it (leaves it in Nexus, as it found it there) instead of deleting it, so a
  ``pulumi destroy`` never removes Nexus's own objects (e.g. its default Maven repositories).
"""

from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar, get_args

import pulumi
import pydantic
from pulumi import dynamic
from pulumi.output import Unknown

from dynamic_providers.client import NexusClient
from dynamic_providers.credentials import AdminCredentials
from dynamic_providers.exceptions import (
    ADOPT_ADVICE,
    NexusConnectionError,
    NexusError,
    NotFoundError,
    ProviderError,
    ServerError,
)
from reach.names import error_location, key_path

__all__ = [
    "Api",
    "NexusProvider",
    "NexusResource",
    "SingletonProvider",
    "Spec",
]

CONTROL_FIELDS = ("connection", "adopt")
ADOPTED = "adopted"
# Nexus answers a DELETE with 500 while it is still tearing down what the previous delete
# touched: "Invalid state: STOPPED; allowed: [STARTED]" for a repository right after its group was
# deleted, and (seen on the real 3.71 core in a `destroy`) a bare java.lang.NullPointerException
# for a blob store right after its last repository was deleted. Retried, bounded.
TRANSIENT_DELETE_ERRORS = ("Invalid state:", "java.lang.NullPointerException")
DELETE_ATTEMPTS = 6
DELETE_BACKOFF_SECONDS = 1.0
# The engine's placeholder for values not known during preview.
# How pydantic prefixes the message of a ValueError raised in a validator.
VALUE_ERROR = "Value error, "
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: The Pulumi module of every kind's type token: ``pulumi-python:dynamic/nexus:<resource_type>``.
RESOURCE_MODULE = "nexus"
#: What a mapper gets as ``previous`` when there is none.
NOTHING: Mapping[str, Any] = types.MappingProxyType({})


class Spec(pydantic.BaseModel):
    """Base of every kind's inputs: unknown fields are errors, values are normalised on parse."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


SpecT = TypeVar("SpecT", bound=Spec)


def _sorted(value: Any) -> Any:
    return tuple(sorted(value)) if isinstance(value, list | tuple) else value


def _sorted_unique(value: Any) -> Any:
    return tuple(sorted(set(value))) if isinstance(value, list | tuple) else value


#: A set in Nexus given as a list: sorted, so that order never shows as a change.
SortedNames = Annotated[tuple[str, ...], pydantic.BeforeValidator(_sorted)]
#: The same, and each name once (Nexus keeps a set and answers it sorted).
NameSet = Annotated[tuple[str, ...], pydantic.BeforeValidator(_sorted_unique)]


def report_to_stderr(message: str) -> None:
    # The dynamic provider process has no engine connection: stderr is where its lines show up.
    print(message, file=sys.stderr, flush=True)


def differs_only_in_case(name: str, other: str) -> bool:
    """``TW-A`` and ``tw-a``: two names Nexus may take one for the other."""
    return name != other and name.lower() == other.lower()


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


def check_failures(error: pydantic.ValidationError) -> list[dynamic.CheckFailure]:
    """Pydantic's errors as the engine's check failures, each naming its property."""
    return [
        dynamic.CheckFailure(
            key_path(error_location(item)) or "(inputs)",
            str(item["msg"]).removeprefix(VALUE_ERROR),
        )
        for item in error.errors()
    ]


@dataclass(frozen=True)
class Api:
    """Where a kind lives in the REST API (paths under ``/service/rest``) and what it answers."""

    #: Where a create is POSTed; ``{field}`` placeholders come from ``NexusProvider.path_fields``.
    collection: str = ""
    #: One object (GET, PUT); ``{collection}`` and ``{id}`` are filled in.
    item: str = "{collection}/{id}"
    #: DELETE, when it is not ``item``.
    delete: str | None = None
    #: The spec field that names an object: its id, and how messages name it.
    id_field: str = "name"
    #: When Nexus makes the id up: its key in the create's answer (else the id is ``id_field``).
    assigned_id: str | None = None
    #: The key of a GET body that holds the object's id (None: the body has none). A body whose
    #: id is not exactly the one asked for is another object (a name that differs only in case).
    answer_id: str | None = "name"
    create_ok: tuple[int, ...] = (200, 201, 204)
    update_ok: tuple[int, ...] = (200, 204)


HookT = TypeVar("HookT", bound=Callable[..., Any])


def calls(*requests: str) -> Callable[[HookT], HookT]:
    """Declares what a hook sends to Nexus, in order: a request (``"GET {item}"``, where
    ``{collection}``, ``{item}`` and ``{delete}`` are the kind's Api paths) or the name of another
    hook (``"fetch"``: whatever the kind's fetch sends). The kind's page (docs/kinds/) states these,
    and a test holds them to what the kind sends to the emulator; a hook a kind overrides declares
    its own."""

    def declare(hook: HookT) -> HookT:
        hook.__nexus_calls__ = requests  # type: ignore[attr-defined]
        return hook

    return declare


#: Every kind, by its spec model (filled as the kind classes are defined).
KINDS: dict[type[Spec], type[NexusProvider[Any]]] = {}


def provider_for(spec: Spec) -> NexusProvider[Any]:
    """The provider of the kind whose spec this is."""
    try:
        return KINDS[type(spec)]()
    except KeyError:
        raise TypeError(f"{type(spec).__name__} is not the spec of a Nexus kind") from None


def spec_model_of(cls: type) -> type[Spec]:
    """The spec a class is bound to by its class statement (``class X(Base[XSpec])``)."""
    models = [arg for base in cls.__orig_bases__ for arg in get_args(base)]  # type: ignore[attr-defined]
    return next(model for model in models if isinstance(model, type) and issubclass(model, Spec))


class NexusProvider(AdminCredentials, Generic[SpecT]):
    """Generic CRUD for one Nexus object kind. Stateless: safe to pickle by reference."""

    # ------------------------------------------------------------ what a kind declares

    kind: ClassVar[str]  # human name, e.g. "blob store"
    api: ClassVar[Api]
    #: Fields Nexus cannot change in place: a change replaces the object.
    replace_fields: ClassVar[tuple[str, ...]] = ("name",)
    #: Fields Nexus never returns: carried from the inputs, secret in the state.
    write_only_fields: ClassVar[tuple[str, ...]] = ()
    #: (words in Nexus's refusal of a DELETE, what the user reads: {label} and {detail} filled in).
    delete_refusals: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: What provides the API when this server answers 404 to a create (a feature it lacks).
    missing_api: ClassVar[str] = "this edition of Nexus does not have it"
    #: False for settings that always exist (nothing to adopt).
    adoptable: ClassVar[bool] = True
    #: Whether Nexus may answer a GET, PUT or DELETE of ``x`` with an object named ``X`` (it looks
    #: the id up ignoring case): then update and delete first make sure the object at that id is
    #: the stack's own, exactly, and never send the write to another (docs/nexus-behaviour.md).
    lookup_ignores_case: ClassVar[bool] = False
    #: Why a name that differs only in case is a problem for this kind (said in messages).
    case_note: ClassVar[str] = "Nexus looks these names up ignoring case"
    # From the class statement, ``class XProvider(NexusProvider[XSpec], mappers=(to_api, from_api))``:
    spec_model: ClassVar[type[Spec]]
    resource_type: ClassVar[str]  # the Pulumi type name: the spec's without "Spec" unless declared
    #: The type token: ``pulumi-python:`` + this (``dynamic/nexus:Repository``), from resource_type.
    type_name: ClassVar[str]

    def __init_subclass__(
        cls, mappers: tuple[Callable[..., Any], Callable[..., Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if mappers is None:
            return  # an abstract layer (SingletonProvider)
        to_api, from_api = mappers
        cls.to_api = staticmethod(to_api)  # type: ignore[method-assign]
        cls.from_api = staticmethod(from_api)  # type: ignore[method-assign]
        cls.spec_model = spec_model_of(cls)
        if "resource_type" not in cls.__dict__:
            cls.resource_type = cls.spec_model.__name__.removesuffix("Spec")
        cls.type_name = f"dynamic/{RESOURCE_MODULE}:{cls.resource_type}"
        KINDS[cls.spec_model] = cls

    @staticmethod
    def to_api(spec: Any) -> Any:
        """The request body of the create (pure); declared by each kind."""
        raise NotImplementedError

    @staticmethod
    def from_api(body: Any, previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
        """Spec fields (snake_case) from a GET body (pure); write-only fields are filled by the base."""
        raise NotImplementedError

    # ------------------------------------------------------------ the generic service (hooks)

    def path_fields(self, source: Mapping[str, Any]) -> dict[str, str]:
        """Values of the ``{field}`` placeholders of the paths other than ``{id}``, from the spec
        or the recorded properties."""
        return {}

    def path_combination_exists(self, fields: Mapping[str, Any]) -> bool:
        """Whether the API has a path for these ``path_fields`` values together (e.g. a format has
        no group type); what the docs' coverage table counts as written."""
        return True

    def path(self, template: str, source: Mapping[str, Any], object_id: str = "") -> str:
        fields = self.path_fields(source)
        return template.format(collection=self.api.collection.format(**fields), id=object_id, **fields)

    def object_id(self, spec: SpecT) -> str:
        """The id Pulumi stores: the ``id_field`` unless Nexus makes one up."""
        if self.api.assigned_id:
            raise ProviderError(f"{self.label(spec)}: Nexus did not answer the create with its id")
        return str(getattr(spec, self.api.id_field))

    def label(self, spec_or_props: SpecT | Mapping[str, Any]) -> str:
        value = (
            spec_or_props.get(self.api.id_field)
            if isinstance(spec_or_props, Mapping)
            else getattr(spec_or_props, self.api.id_field, None)
        )
        return f"{self.kind} '{value}'"

    @calls("fetch")
    def find(self, client: NexusClient, spec: SpecT) -> tuple[str, Any] | None:
        """(id, body) of the existing object the spec describes, or None: the id as Nexus has it,
        which may differ in case from the spec's (``create`` refuses that)."""
        object_id = self.object_id(spec)
        body = self.fetch(client, object_id, spec.model_dump())
        return (self.answered_id(body) or object_id, body) if body is not None else None

    @calls("GET {item}")
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        """The API body of whatever Nexus answers for this id, or None when it is gone (404)."""
        return client.get_optional(self.path(self.api.item, previous, object_id))

    def answered_id(self, body: Any) -> str | None:
        """The id of the object a GET body is about (None when the body does not say)."""
        if self.api.answer_id is None or not isinstance(body, Mapping):
            return None
        value = body.get(self.api.answer_id)
        return None if value is None else str(value)

    def lookup(
        self, client: NexusClient, object_id: str, props: Mapping[str, Any]
    ) -> tuple[Any | None, str | None]:
        """(body, None) when Nexus holds the object under exactly this id; (None, None) when it is
        gone; (None, other) when Nexus answered with another object, ``other``, whose id differs
        only in case (it looks the id up ignoring case): that one is not the stack's."""
        body = self.fetch(client, object_id, props)
        answered = self.answered_id(body) if body is not None else None
        if answered is not None and answered != object_id:
            return None, answered
        return body, None

    @calls("fetch")
    def read_body(
        self, client: NexusClient, object_id: str, props: Mapping[str, Any]
    ) -> tuple[Any | None, str | None]:
        """What ``read`` starts from: ``lookup``'s answer. A kind one GET lists in full overrides
        it with ``listed``, so that a refresh sends one request per kind, not one per object."""
        return self.lookup(client, object_id, props)

    def listed(
        self, client: NexusClient, listing: str, object_id: str, props: Mapping[str, Any]
    ) -> tuple[Any | None, str | None]:
        """``lookup``'s answer taken from ``listing``, a GET answering every object as its item GET
        does (a conformance test holds the two equal on the real core), kept by the process until
        it writes. The object is what the item GET would answer: exactly this id, or, where Nexus
        looks ids up ignoring case, the one whose id differs only in case; at this object's other
        path fields (a repository's format and type), or none."""
        assert self.api.answer_id is not None, "a listed kind's bodies say their id"
        by_id = client.get_listing(listing, self.api.answer_id)
        body = by_id.get(object_id)
        if body is None and self.lookup_ignores_case:
            body = next((body for id_, body in by_id.items() if id_.lower() == object_id.lower()), None)
        if body is None or self.path_fields(body) != self.path_fields(props):
            return None, None
        answered = self.answered_id(body)
        return (None, answered) if answered is not None and answered != object_id else (body, None)

    def _other(self, object_id: str, other: str) -> str:
        """How messages name the object Nexus answered with in place of ``object_id``."""
        if differs_only_in_case(other, object_id):
            return f"{self.kind} '{other}', another object whose name differs only in case ({self.case_note})"
        return f"{self.kind} '{other}', another object"

    def twin_refusal(self, object_id: str, twin: str, action: str) -> ProviderError:
        """The one line that refuses to ``action`` a case twin in place of the stack's object."""
        return ProviderError(
            f"{self.kind} '{object_id}': Nexus answers for it with {self._other(object_id, twin)}; "
            f"refusing to {action} '{twin}' in its place, nothing was changed. Run `pulumi refresh` "
            f"(it drops '{object_id}' from the stack: Nexus does not answer with it under its exact "
            f"name), and give it a name that is not a case variant of '{twin}'."
        )

    def twin_warning(self, object_id: str, twin: str) -> str:
        """What a read says when Nexus answered for the stack's object with a case twin."""
        return (
            f"warning: {self.kind} '{object_id}' is not what Nexus answers for that name: it answered "
            f"with {self._other(object_id, twin)}. '{object_id}' is reported gone and '{twin}' is left "
            f"as it is; `pulumi up` refuses to create '{object_id}' while '{twin}' exists."
        )

    def case_refusal(self, spec: SpecT, existing: str) -> ProviderError:
        """Create found an object whose id differs from the spec's only in case: neither creating
        nor adopting can work (adopting would write the stack's name onto it: a rename)."""
        wanted = getattr(spec, self.api.id_field)
        return ProviderError(
            f"{self.label(spec)}: Nexus has {self.kind} '{existing}', whose name differs from "
            f"'{wanted}' only in case ({self.case_note}), so the stack cannot tell the two apart. "
            f"To manage that {self.kind}, rename the stack's entry to '{existing}', its exact name in "
            f"Nexus; for a new one, choose a name that is not a case variant of '{existing}'. "
            "Nothing was changed."
        )

    @calls("POST {collection}")
    def create_object(self, client: NexusClient, spec: SpecT) -> str | None:
        """POST; returns the new id when Nexus makes one up (tasks), else None."""
        fields = spec.model_dump()
        created = client.post(
            self.path(self.api.collection, fields), self.to_api(spec), ok=self.api.create_ok
        )
        if self.api.assigned_id and isinstance(created, Mapping) and created.get(self.api.assigned_id):
            return str(created[self.api.assigned_id])
        return None

    @calls()
    def update_body(self, client: NexusClient, object_id: str, spec: SpecT) -> Any:
        """The PUT body: the create's, unless the API wants another."""
        return self.to_api(spec)

    @calls("update_body", "PUT {item}")
    def update_object(self, client: NexusClient, object_id: str, spec: SpecT) -> None:
        """PUT the desired state."""
        body = self.update_body(client, object_id, spec)
        client.put(self.path(self.api.item, spec.model_dump(), object_id), body, ok=self.api.update_ok)

    @calls("DELETE {delete}")
    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        """DELETE; 404 is success."""
        client.delete(self.path(self.api.delete or self.api.item, props, object_id))

    def validate_extra(self, spec: SpecT) -> list[tuple[str, str]]:
        """Cross-field rules a kind may add; (property, reason) pairs."""
        return []

    def describe_delete_error(self, error: NexusError, props: Mapping[str, Any]) -> str | None:
        for words, message in self.delete_refusals:
            if words in error.detail:
                return message.format(label=self.label(props), detail=error.detail)
        return None

    def ensure_supported(self, client: NexusClient) -> None:
        """Fail before any write when this Nexus cannot hold the kind (e.g. a Pro-only API)."""

    def missing_api_hint(self, spec: SpecT) -> str:
        return self.missing_api

    def _missing_api(self, client: NexusClient, spec: SpecT, error: NotFoundError) -> ProviderError:
        # Nexus answers a path it has no resource for with 404 and an empty body: on a create
        # that is a missing feature (a format, LDAP), not a missing object.
        server = client.server if client.server.version else client.server_info()
        return ProviderError(
            f"{self.label(spec)}: this Nexus ({server.describe()}, {server.edition_name}) has no API for "
            f"it ({error.call or '404'}): {self.missing_api_hint(spec)}. Nothing was changed."
        )

    # ------------------------------------------------------------ helpers

    def parse(self, props: Mapping[str, Any]) -> SpecT:
        fields = {k: v for k, v in props.items() if k not in CONTROL_FIELDS and not k.startswith("__")}
        return self.spec_model.model_validate(fields)  # type: ignore[return-value]

    @contextmanager
    def client(self, props: Mapping[str, Any]) -> Iterator[NexusClient]:
        client = NexusClient(self.connection(props), resource=self.label(props))
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

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        failures: list[dynamic.CheckFailure] = []
        if not isinstance(news.get("connection"), Mapping) and not _contains_unknown(news.get("connection")):
            failures.append(dynamic.CheckFailure("connection", "is required (url, username)"))
        if _contains_unknown({k: v for k, v in news.items() if k not in CONTROL_FIELDS}):
            return dynamic.CheckResult(news, failures)  # preview with unknown inputs: validated at `up`
        try:
            spec = self.parse(news)
        except pydantic.ValidationError as error:
            return dynamic.CheckResult(news, failures + check_failures(error))
        failures.extend(dynamic.CheckFailure(prop, reason) for prop, reason in self.validate_extra(spec))
        normalised = {**{k: v for k, v in news.items() if k in CONTROL_FIELDS or k.startswith("__")}}
        normalised.update(spec.model_dump())
        return dynamic.CheckResult(normalised, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        if _contains_unknown({k: v for k, v in news.items() if k not in CONTROL_FIELDS}):
            return dynamic.DiffResult(changes=True)
        new_spec = self.parse(news).model_dump()
        try:
            old_spec = self.parse(
                {k: v for k, v in olds.items() if k in self.spec_model.model_fields}
            ).model_dump()
        except pydantic.ValidationError:
            old_spec = {}
        changed = [name for name in new_spec if old_spec.get(name) != new_spec[name]]
        replaces = [name for name in changed if name in self.replace_fields]
        # A new url or CA is stored without any API write (see update), so later reads use it.
        if olds.get("connection") != news.get("connection") and not _contains_unknown(news.get("connection")):
            changed.append("connection")
        return dynamic.DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces),
        )

    @calls()  # what it sends is its hooks' (a kind that overrides it declares the rest)
    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        spec: SpecT = self.parse(props)
        with self.client(props) as client:
            self.ensure_supported(client)
            try:
                existing = self.find(client, spec)
            except NotFoundError as error:
                raise self._missing_api(client, spec, error) from None
            if existing is not None:
                if not self.api.assigned_id and differs_only_in_case(existing[0], self.object_id(spec)):
                    raise self.case_refusal(spec, existing[0])
                if not props.get("adopt"):
                    raise ProviderError(
                        f"{self.label(spec)} already exists in Nexus at {client.connection.url}. "
                        f"{ADOPT_ADVICE}; nothing was changed."
                    )
                object_id = existing[0]
                self._check_adoptable(spec, existing[1], props)
                self.update_object(client, object_id, spec)
                props = {**props, ADOPTED: True}
            else:
                try:
                    object_id = self.create_object(client, spec) or self.object_id(spec)
                except NotFoundError as error:
                    raise self._missing_api(client, spec, error) from None
                except NexusConnectionError:
                    # The POST may have been applied before the answer was lost: look before failing.
                    found = self.find(client, spec)
                    if found is None or (not self.api.assigned_id and found[0] != self.object_id(spec)):
                        raise
                    object_id = found[0]
                else:
                    # Nexus took the spec as sent, so it holds the spec: no read-back (one read per
                    # new object, docs/performance.md). That it reads back as sent is what the kind
                    # contract and conformance tests check, on the emulator and the real core.
                    return dynamic.CreateResult(object_id, self.outputs(spec.model_dump(), props))
            body = self.fetch(client, object_id, props)
            if body is None:
                raise ProviderError(f"{self.label(spec)} was created but Nexus does not return it")
            return dynamic.CreateResult(object_id, self.outputs(self.observed(body, props), props))

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

    @calls()  # what it sends is its hooks' (a kind that overrides it declares the rest)
    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        with self.client(props) as client:
            body, twin = self.read_body(client, id_, props)
            if twin is not None:
                report_to_stderr(self.twin_warning(id_, twin))
            if body is None:
                return dynamic.ReadResult(None, {})  # gone: refresh drops it, the next `up` recreates it
            fields = self.observed(body, props)
            outs = self.outputs(fields, props)
            inputs = {k: outs[k] for k in outs if k in self.spec_model.model_fields or k in CONTROL_FIELDS}
            return dynamic.ReadResult(id_, outs, inputs)

    @calls()  # what it sends is its hooks' (a kind that overrides it declares the rest)
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        spec: SpecT = self.parse(news)
        old_fields = {k: v for k, v in olds.items() if k in self.spec_model.model_fields}
        gone = ProviderError(
            f"{self.label(spec)} no longer exists in Nexus (deleted outside Pulumi?); run `pulumi refresh` "
            "then `pulumi up` to recreate it"
        )
        with self.client(news) as client:
            if not self._matches(old_fields, spec):
                self.ensure_supported(client)
                if self.lookup_ignores_case:
                    # The PUT would land on whatever Nexus takes the id for: make sure it is ours.
                    self._own(client, id_, news, "update", gone)
                try:
                    self.update_object(client, id_, spec)
                except NotFoundError:
                    current, twin = self.lookup(client, id_, news)
                    if twin is not None:
                        raise self.twin_refusal(id_, twin, "update") from None
                    if current is None:
                        raise gone from None
                    raise
            body = self._own(client, id_, news, "update", gone)
            carried = {**news, ADOPTED: True} if olds.get(ADOPTED) else news
            return dynamic.UpdateResult(self.outputs(self.observed(body, news), carried))

    def _own(
        self, client: NexusClient, object_id: str, props: Mapping[str, Any], action: str, gone: Exception
    ) -> Any:
        """The body of the stack's object, exactly: a case twin is refused, a missing one is ``gone``."""
        body, twin = self.lookup(client, object_id, props)
        if twin is not None:
            raise self.twin_refusal(object_id, twin, action)
        if body is None:
            raise gone
        return body

    def _matches(self, fields: Mapping[str, Any], spec: SpecT) -> bool:
        """Whether recorded fields already equal the spec (then only the connection changed)."""
        try:
            return bool(fields) and self.parse(fields).model_dump() == spec.model_dump()
        except pydantic.ValidationError:
            return False

    @calls()  # what it sends is its hooks' (a kind that overrides it declares the rest)
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get(ADOPTED):
            return  # it was in Nexus before this stack: released, left as it is
        with self.client(props) as client:
            if self.lookup_ignores_case:
                # The DELETE would remove whatever Nexus takes the id for: make sure it is ours.
                body, twin = self.lookup(client, id_, props)
                if twin is not None:
                    raise self.twin_refusal(id_, twin, "delete")
                if body is None:
                    return  # already gone
            for attempt in range(1, DELETE_ATTEMPTS + 1):
                try:
                    self.delete_object(client, id_, props)
                    return
                except NexusError as error:
                    transient = isinstance(error, ServerError) and any(
                        mark in error.detail for mark in TRANSIENT_DELETE_ERRORS
                    )
                    if transient and attempt < DELETE_ATTEMPTS:
                        time.sleep(DELETE_BACKOFF_SECONDS * attempt)
                        continue
                    explained = self.describe_delete_error(error, props)
                    if explained:
                        raise ProviderError(explained) from None
                    raise


class SingletonProvider(NexusProvider[SpecT]):
    """A setting that always exists in Nexus (active realms, anonymous access) at :attr:`item`.

    There is nothing to find or adopt: create writes the desired state over whatever Nexus has,
    and delete puts back the setting Nexus starts with (:attr:`default`), so `pulumi destroy`
    leaves a working server.
    """

    singleton_id: ClassVar[str]
    #: The setting Nexus starts with.
    default: ClassVar[Spec]
    replace_fields: ClassVar[tuple[str, ...]] = ()
    adoptable: ClassVar[bool] = False

    def label(self, spec_or_props: SpecT | Mapping[str, Any]) -> str:
        return self.kind

    def object_id(self, spec: SpecT) -> str:
        return self.singleton_id

    @calls()
    def find(self, client: NexusClient, spec: SpecT) -> tuple[str, Any] | None:
        return None  # always present: create is a write of the desired state, never an adoption

    @calls("GET {item}")
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        return client.get_json(self.api.item)

    def answered_id(self, body: Any) -> str | None:
        return None  # one setting, no id

    @calls("update_object")
    def create_object(self, client: NexusClient, spec: SpecT) -> str | None:
        self.update_object(client, self.singleton_id, spec)
        return None

    @calls("update_body", "PUT {item}")
    def update_object(self, client: NexusClient, object_id: str, spec: SpecT) -> None:
        client.put(self.api.item, self.update_body(client, object_id, spec), ok=self.api.update_ok)

    @calls("restore_default")
    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        self.restore_default(client, props)

    @calls("update_object")
    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        """Write Nexus's default value of the setting back."""
        self.update_object(client, self.singleton_id, self.default)  # type: ignore[arg-type]


class NexusResource(dynamic.Resource, Generic[SpecT]):
    """A Nexus object as a Pulumi resource: its type token is the kind's
    (``pulumi-python:dynamic/nexus:<type>``) and every write-only field of the kind is a secret, in
    the inputs and in the outputs.

    Each kind module declares the class components use, bound to its spec:
    ``class Role(NexusResource[RoleSpec])``. Then mypy rejects another kind's spec, and so does
    the constructor at run time (the spec picks the provider: a wrong one would create another
    kind of object). ``NexusResource`` itself takes the spec of any kind.
    """

    #: The spec the class takes (from ``NexusResource[XSpec]``); ``Spec`` for the generic class.
    spec_model: ClassVar[type[Spec]] = Spec

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.spec_model = spec_model_of(cls)

    def __init__(
        self,
        resource_name: str,
        *,
        connection: pulumi.Input[Mapping[str, Any]],
        spec: SpecT,
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        provider = provider_for(spec)
        if not isinstance(spec, self.spec_model):
            raise TypeError(
                f"{type(self).__name__} {resource_name!r} takes a {self.spec_model.__name__}, "
                f"not a {type(spec).__name__}: use the resource class of that spec's kind"
            )
        # Fields at their defaults are left out: the kind's check fills them in, and what the engine
        # records (and diffs, and shows) is what check returns, so the state is the same. Each
        # property sent costs the program about 0.2 ms of SDK time (docs/performance.md).
        props: dict[str, Any] = {**spec.model_dump(exclude_defaults=True), "connection": connection}
        if provider.adoptable:
            props["adopt"] = adopt
        elif adopt:
            raise ValueError(f"{provider.kind} always exists in Nexus: there is nothing to adopt")
        for name in provider.write_only_fields:
            if props.get(name) is not None:
                props[name] = pulumi.Output.secret(props[name])
        if provider.write_only_fields:
            # The outputs of the same keys are re-marked secret by the engine; said explicitly too.
            secret = pulumi.ResourceOptions(additional_secret_outputs=list(provider.write_only_fields))
            opts = pulumi.ResourceOptions.merge(opts, secret)
        # The type token is per kind: dynamic.Resource reads it from the instance.
        self._resource_type_name = provider.type_name  # type: ignore[misc]
        super().__init__(provider, resource_name, props, opts)
