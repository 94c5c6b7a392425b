"""HTTP control endpoints under ``/__emulator`` (a path Nexus does not have).

They drive the knobs of an emulator running in another process; none of them is logged,
delayed, faulted or subject to the startup phase.

==========  ===============================  =====================================================
method      path                             body / effect
==========  ===============================  =====================================================
GET         /__emulator/health               ``{"phase", "writable", "version", "edition"}``
POST        /__emulator/fail                 ``{"count", "status": 503|500, "method", "pathPrefix"}``
POST        /__emulator/latency              ``{"seconds"}``
POST        /__emulator/drop                 ``{"count", "method", "pathPrefix"}``: apply the next
                                             write(s), then close the connection unanswered
POST        /__emulator/phase                ``{"phase": "starting", "seconds": N|null}`` or
                                             ``{"phase": "ready"}``
POST        /__emulator/writable             ``{"writable": bool}``
POST        /__emulator/version              ``{"version", "edition"}``
POST        /__emulator/reset                ``{"state": bool}``: clear knobs and log; with
                                             ``state`` also restore the initial server state
GET         /__emulator/log                  ``{"entries": [...], "reads", "writes"}``
DELETE      /__emulator/log                  clear the request log
GET         /__emulator/state                state snapshot (see ``NexusState.snapshot``)
POST        /__emulator/call                 ``{"method", "path", "body"}``: out-of-band API call
                                             as admin; answers ``{"status", "body"}``
POST        /__emulator/tasks/{id}/running   ``{"running": bool}``
==========  ===============================  =====================================================
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from .controls import Controls
from .errors import Response
from .state import NexusState


class NexusApp(Protocol):
    """What the control API needs of the emulator's app (app.py hands itself in)."""

    state: NexusState
    controls: Controls

    def reset_state(self) -> None: ...

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user_id: str = "admin",
        content_type: str = "application/json",
        base_url: str = "http://localhost:8081",
    ) -> Response: ...


def _ok(body: Any = None) -> Response:
    return Response.json(200, body if body is not None else {"ok": True})


def _bad(message: str) -> Response:
    return Response.json(400, {"error": message})


def handle_control(app: NexusApp, method: str, path: str, raw: bytes) -> Response:
    try:
        body: dict[str, Any] = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return _bad("body must be JSON")
    ctl = app.controls
    key = (method, path.rstrip("/"))
    try:
        if key == ("GET", "/health"):
            return _ok(
                {
                    "phase": "starting" if ctl.starting else "ready",
                    "writable": app.state.writable,
                    "version": app.state.version,
                    "edition": app.state.edition,
                }
            )
        if key == ("POST", "/fail"):
            ctl.fail_next(
                int(body.get("count", 1)),
                int(body.get("status", 503)),
                body.get("method"),
                body.get("pathPrefix"),
            )
            return _ok()
        if key == ("POST", "/latency"):
            ctl.latency = float(body.get("seconds", 0))
            return _ok()
        if key == ("POST", "/drop"):
            ctl.drop_next_write(int(body.get("count", 1)), body.get("method"), body.get("pathPrefix"))
            return _ok()
        if key == ("POST", "/phase"):
            if body.get("phase") == "starting":
                seconds = body.get("seconds")
                ctl.set_starting(None if seconds is None else float(seconds))
            elif body.get("phase") == "ready":
                ctl.set_ready()
            else:
                return _bad("phase must be 'starting' or 'ready'")
            return _ok()
        if key == ("POST", "/writable"):
            app.state.writable = bool(body.get("writable", True))
            return _ok()
        if key == ("POST", "/version"):
            app.state.set_version(body.get("version"), body.get("edition"))
            return _ok()
        if key == ("POST", "/reset"):
            ctl.reset()
            ctl.clear_log()
            if body.get("state"):
                app.reset_state()
            return _ok()
        if key == ("GET", "/log"):
            return _ok(
                {
                    "entries": [r.to_dict() for r in ctl.records()],
                    "reads": ctl.count_reads(),
                    "writes": ctl.count_writes(),
                }
            )
        if key == ("DELETE", "/log"):
            ctl.clear_log()
            return _ok()
        if key == ("GET", "/state"):
            return _ok(app.state.snapshot())
        if key == ("POST", "/call"):
            resp = app.call(
                str(body["method"]),
                str(body["path"]),
                body.get("body"),
                content_type=body.get("contentType", "application/json"),
            )
            return _ok({"status": resp.status, "body": resp.text if resp.text is not None else resp.body})
        parts = path.strip("/").split("/")
        if method == "POST" and len(parts) == 3 and parts[0] == "tasks" and parts[2] == "running":
            with app.state.lock:
                if parts[1] not in app.state.tasks.tasks:
                    return Response.json(404, {"error": "no such task"})
                app.state.tasks.set_running(parts[1], bool(body.get("running", True)))
            return _ok()
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(str(exc))
    return Response.json(404, {"error": f"unknown control endpoint {method} {path}"})
