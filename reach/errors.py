"""The root of every error the project raises on purpose.

Catch :class:`NexusPlatformError` to catch anything this project means to say to the person running
it: a config error (``settings.SettingsError``), a failed Nexus call or provider step
(``dynamic_providers.exceptions``), a host command or engine run that failed (``reach.host.ShellError``,
``operations.stack.EngineError``), a stack file it cannot edit (``operations.stackfile.StackFileError``).
It lives in the lowest layer so that every package can derive from it.
"""

from __future__ import annotations


class NexusPlatformError(Exception):
    """The root of the project's errors."""
