"""A stand-in for the ``docker`` CLI in the operations tests: the subset the host scripts use.

State lives in ``$FAKE_DOCKER_STATE`` (JSON): ``container`` (``{"running": bool, "image": id}`` or
null), ``images`` (name -> id) and ``tags`` (id -> [name:tag]); every call is appended to
``calls`` so tests can assert the order (stop before tar, start after restore). ``others`` (name ->
mounted host paths) are other running containers, for ``ps`` and their ``inspect``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CONTAINER = "nexus"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {"container": None, "images": {}, "tags": {}}


def main(argv: list[str]) -> int:
    path = Path(os.environ["FAKE_DOCKER_STATE"])
    state = _load(path)
    state.setdefault("calls", []).append(" ".join(argv))
    code = 0
    container = state.get("container")
    others: dict[str, list[str]] = state.get("others", {})
    if argv[:1] == ["ps"]:
        for name in ([CONTAINER] if container and container["running"] else []) + sorted(others):
            print(name)
    elif argv[:1] == ["inspect"] and argv[-1] in others:
        for source in others[argv[-1]]:
            print(source)
    elif argv[:1] == ["inspect"]:
        template = argv[argv.index("-f") + 1]
        if container is None:
            print()  # the real CLI (20.10 and 28) prints an empty line for the missing object, too
            print("Error response from daemon: No such container: nexus", file=sys.stderr)
            code = 1
        elif template == "{{.State.Running}}":
            print("true" if container["running"] else "false")
        elif template == "{{.Image}}":
            print(container["image"])
    elif argv[:2] == ["image", "inspect"]:
        template, ref = argv[argv.index("-f") + 1], argv[-1]
        if template == "{{.Id}}":
            if ref in state["images"]:
                print(state["images"][ref])
            else:
                print()
                print(f"Error response from daemon: No such image: {ref}", file=sys.stderr)
                code = 1
        elif ref in state["tags"]:
            for tag in state["tags"][ref]:
                print(tag)
        else:
            print()
            print(f"Error response from daemon: No such image: {ref}", file=sys.stderr)
            code = 1
    elif argv[:1] == ["stop"]:
        if container is None:
            code = 1
        else:
            container["running"] = False
            print("nexus")
    elif argv[:1] == ["start"]:
        if container is None:
            code = 1
        else:
            container["running"] = True
            print("nexus")
    else:
        print(f"fake docker: unsupported {argv}", file=sys.stderr)
        code = 2
    path.write_text(json.dumps(state))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
