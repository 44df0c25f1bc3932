"""The real-world corpus (strings people passed as a model, quoted from public issues) and what
counts as an acceptable answer for an entry. Read from ../shared when it is beside the checkout,
else from the copy in tests/data.

CHECKED holds more real strings of the same kind, collected for 1.13 (the first 427), 1.14 (the
next 531) and 1.15 (the last 192: URIs, URLs and Ollama's store; Windows, non-ASCII, GPU cloud,
HPC and notebook platforms' paths) to check the rules (sources in each entry; the expectations were
written before the rules were run): tests/data/realworld-checked.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "realworld-model-ids.json"
_DATA = Path(__file__).resolve().parent / "data"
_COPY = _DATA / "realworld-model-ids.json"
CORPUS: list[dict[str, Any]] = json.loads(
    (_SHARED if _SHARED.is_file() else _COPY).read_text(encoding="utf-8")
)
CHECKED: list[dict[str, Any]] = json.loads(
    (_DATA / "realworld-checked.json").read_text(encoding="utf-8")
)
NO_NAME = {"5:local_model", "keep:opaque_no_name"}


def acceptable(entry: dict[str, Any], model_id: str | None, rule: str) -> bool:
    """expected null means "no meaningful name": the rules must say so (5 or keep)."""
    if entry["expected"] is None and rule in NO_NAME:
        return True
    return model_id is not None and model_id in (entry["expected"], entry["also_acceptable"])
