"""The Python twin of the rules, without a server: the golden vectors, idempotence, the
real-world corpus, and the rule source the SQL is compiled from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import CORPUS, acceptable
from llm_model_ids.golden import golden_vectors
from llm_model_ids.rule_source import ci, rule_source
from llm_model_ids.rules import is_readable, is_relative, normalize

VECTORS: list[dict[str, Any]] = [dict(v) for v in golden_vectors()]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["note"] for v in VECTORS])
def test_golden_vector(vector: dict[str, Any]) -> None:
    args = (vector["model_id"], vector["base_model"], vector["name"], vector["provider"])
    result = normalize(*args)
    assert (result.model_id, result.rule) == (vector["expected_model_id"], vector["rule"])
    if result.changed:
        assert is_readable(result.model_id)
        again = normalize(result.model_id, vector["base_model"], vector["name"], vector["provider"])
        assert not again.changed  # idempotent for the same provider


def test_two_new_vectors_per_numbered_change_of_rules_v2() -> None:
    numbered = [re.match(r"v2 (\d):", v["note"]) for v in VECTORS]
    counts = {n: sum(1 for m in numbered if m and m[1] == str(n)) for n in range(1, 8)}
    assert all(count >= 2 for count in counts.values()), counts


def test_clear_real_world_entries_through_the_twin() -> None:
    for entry in (e for e in CORPUS if e["confidence"] == "clear"):
        result = normalize(entry["string"], entry["base_model"], None, entry["provider"])
        assert acceptable(entry, result.model_id, result.rule), entry


def test_rule_words_are_lower_case_and_unique() -> None:
    src = rule_source()
    for words in (src.self_hosted_providers, src.artifact_folders, src.generic_containers):
        assert all(word == word.lower() for word in words)
        assert len(set(words)) == len(words)


def test_case_insensitive_pattern_helper() -> None:
    assert ci("hf.co") == "[Hh][Ff][.][Cc][Oo]"
    assert re.fullmatch(ci("huggingface"), "HuggingFace")


@pytest.mark.parametrize(
    ("value", "relative"),
    [
        ("models/Qwen3-8B", True),
        ("facebook/opt-125m", False),
        ("hf.co/org/name", False),  # Ollama's name of a registry's model: readable
        ("ollama_chat/hf.co/org/name:Q4_K_M", True),  # the same behind a route (1.17)
        ("openai/org/name", True),
        ("a/b/c", True),
        ("x.gguf", True),
        ("checkpoint-100", False),  # a lone word: no separator, no path
        ("org/name:tag", False),
    ],
)
def test_relative_paths(value: str, relative: bool) -> None:
    assert is_relative(value) is relative


def test_readme_names_every_word_of_the_rules() -> None:
    """README's rules table is typed by hand: it must not fall behind sql/rules.toml."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    src = rule_source()
    words = (
        *src.self_hosted_providers,
        *src.location_schemes,
        *src.weights_extensions,
        *src.generic_weights,
        *src.step_prefixes,
        *src.artifact_folders,
        *src.artifact_words,
        *src.kaggle_frameworks,
        *src.generic_containers,
        *src.step_containers,
        *src.volume_schemes,
        *src.image_schemes,
        *src.route_prefixes,
        *src.gateway_prefixes,
        *src.hub_layout_containers,
        *src.hub_url_hosts,
        *src.modelscope_url_hosts,
        *src.ollama_hosts,
        *src.hub_schemes,
        src.ollama_manifests_folder,
        src.ollama_default_host,
        src.ollama_default_namespace,
        *src.unusable_base_models,
    )
    assert [w for w in words if f"`{w}`" not in readme and f"`.{w}`" not in readme] == []


@given(st.from_regex(f"^({rule_source().uuid_or_digest})$", fullmatch=True))
def test_opaque_ids_have_only_opaque_characters(value: str) -> None:
    """The SQL's FAST_NAME_MORE takes a value of an opaque length with another character as
    no UUID or digest (scripts/compile_sql.py)."""
    source = rule_source()
    assert len(value) in source.opaque_lengths
    assert set(value.lower()) <= set(source.opaque_characters)
