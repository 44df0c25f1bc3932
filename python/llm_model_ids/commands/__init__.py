"""One module per CLI command; each has register(subparsers) that sets its run function."""

from __future__ import annotations

from types import ModuleType

from llm_model_ids.commands import (
    audit,
    backfill,
    demo,
    explain,
    install,
    migration,
    restore,
    status,
    uninstall,
)

COMMANDS: list[ModuleType] = [
    install,
    uninstall,
    migration,
    status,
    explain,
    audit,
    backfill,
    restore,
    demo,
]
