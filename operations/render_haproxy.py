"""``scripts/render-haproxy``: the haproxy.cfg a stack file would deploy, without the Pulumi engine
and without secrets (``python -m operations.render_haproxy STACK | --stack-file FILE``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from components.haproxy import haproxy_spec_from_settings
from components.haproxy_config import render_haproxy_config
from settings import SettingsError, load_stack_file

PROJECT_DIR = Path(__file__).resolve().parent.parent


def render_stack_file(path: Path) -> str:
    """The haproxy.cfg the stack file would deploy (no engine, no secrets needed)."""
    settings = load_stack_file(path)
    settings.require_managed_server("this stack deploys no HAProxy (nothing to render)")
    return render_haproxy_config(haproxy_spec_from_settings(settings))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="render-haproxy",
        description="Print the haproxy.cfg that Pulumi.STACK.yaml would deploy (no engine, no secrets).",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("stack", nargs="?", help="stack name: reads Pulumi.<stack>.yaml of the project")
    target.add_argument("--stack-file", type=Path, help="path of a Pulumi.<stack>.yaml to read instead")
    options = parser.parse_args(argv)

    path: Path = options.stack_file or PROJECT_DIR / f"Pulumi.{options.stack}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml"))
        print(
            f"render-haproxy: no stack file {path} (known stacks: {', '.join(known) or 'none'})",
            file=sys.stderr,
        )
        return 2
    try:
        text = render_stack_file(path)
    except SettingsError as error:
        print(f"render-haproxy: {path.name}: {error}", file=sys.stderr)
        return 2
    except (ValueError, OSError, yaml.YAMLError) as error:  # unreadable file, bad YAML, spec checks
        print(f"render-haproxy: {path.name}: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
