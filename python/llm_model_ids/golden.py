"""The golden vectors: rows with the model_id and rule the rules must give. They ship with the
package, so ``status`` checks the same vectors from a wheel as from a checkout, and the tests
read them from here too."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, TypedDict


class GoldenVector(TypedDict):
    note: str
    model_id: str | None
    base_model: str | None
    name: str | None
    provider: str | None
    expected_model_id: str | None
    rule: str


def golden_vectors() -> list[GoldenVector]:
    text = resources.files("llm_model_ids").joinpath("data/golden_vectors.json").read_text("utf-8")
    data: list[Any] = json.loads(text)
    return data
