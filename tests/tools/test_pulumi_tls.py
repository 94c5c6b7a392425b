"""The tls plugin built from tools/pulumi-tls: its committed schema against what the project uses.

The plugin embeds `cmd/pulumi-resource-tls/schema.json`; an input the schema does not know is
refused by the plugin at run time. These checks catch that without building it (the real plugin
runs in tests/e2e/test_pki_tls.py).
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

from components.pki import Pki, PkiArgs
from settings import parse_settings
from tests.components import mocks as m

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "pulumi-tls"
SCHEMA: dict[str, Any] = json.loads((TOOLS / "cmd" / "pulumi-resource-tls" / "schema.json").read_text())
VERSION = (TOOLS / "VERSION").read_text().split("=", 1)[1].strip()


def test_plugin_version_is_the_sdk_version_and_in_the_schema() -> None:
    # The Python SDK asks the engine for the plugin version it was released with.
    assert importlib.metadata.version("pulumi_tls") == VERSION
    assert SCHEMA["version"] == VERSION
    assert SCHEMA["name"] == "tls"


def _input_keys(spec: dict[str, Any]) -> set[str]:
    return set(spec.get("inputProperties") or spec.get("properties") or {})


def _unknown_inputs(inputs: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    """Input keys (nested objects included) that the schema `spec` does not declare."""
    known = _input_keys(spec)
    props = spec.get("inputProperties") or spec.get("properties") or {}
    unknown = [f"{where}.{key}" for key in inputs if key not in known]
    for key, value in inputs.items():
        ref = (props.get(key) or {}).get("$ref", "")
        if isinstance(value, dict) and ref.startswith("#/types/"):
            unknown += _unknown_inputs(value, SCHEMA["types"][ref.removeprefix("#/types/")], f"{where}.{key}")
    return unknown


def test_schema_knows_every_input_the_generated_pki_sets() -> None:
    mocks = m.install()
    settings = parse_settings({"domain": "example.com", "nexus": {"version": "3.77.1"}})
    m.deploy(lambda: Pki("pki", PkiArgs.from_settings(settings)), lambda pki: {"cert": pki.certificate_pem})
    seen = [r for r in mocks.resources if r.typ in m.TLS_TYPES]
    assert {r.typ for r in seen} == set(m.TLS_TYPES)
    unknown: list[str] = []
    for resource in seen:
        spec = SCHEMA["resources"].get(resource.typ)
        assert spec is not None, f"{resource.typ} is not in the plugin's schema"
        unknown += _unknown_inputs(dict(resource.inputs), spec, f"{resource.typ}({resource.name})")
    assert unknown == []


def test_write_only_inputs_of_the_released_plugin_are_absent() -> None:
    # What docs/engine.md says the built plugin lacks compared to the released 5.6.2.
    absent = {
        "tls:index/certRequest:CertRequest": ["privateKeyPemWo", "privateKeyPemWoVersion"],
        "tls:index/selfSignedCert:SelfSignedCert": ["privateKeyPemWo", "privateKeyPemWoVersion"],
        "tls:index/locallySignedCert:LocallySignedCert": ["caPrivateKeyPemWo", "caPrivateKeyPemWoVersion"],
    }
    for typ, keys in absent.items():
        known = _input_keys(SCHEMA["resources"][typ])
        assert "privateKeyPem" in known or "caPrivateKeyPem" in known
        assert not known & set(keys), typ
