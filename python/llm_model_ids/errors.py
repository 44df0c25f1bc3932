"""The one exception type the toolkit raises for problems a user can fix."""

from __future__ import annotations


class LlmModelIdsError(Exception):
    """A failure with a one-line, user-facing reason (the CLI prints it and exits 1)."""
