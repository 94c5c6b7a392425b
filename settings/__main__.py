"""``python -m settings``: print the configuration reference (docs/configuration.md's table) as Markdown."""

from settings.reference import config_reference_markdown

print(config_reference_markdown(), end="")
