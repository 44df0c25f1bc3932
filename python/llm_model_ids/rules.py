"""The Python twin of the SQL rules in ``sql/llm_model_ids.sql``.

Every function here mirrors the SQL function of the same name; golden vectors and a hypothesis
test run both and require equal results. Regexes are the SQL ones, compiled with ASCII and DOTALL
so that ``[0-9]``, case and ``.`` mean the same thing in Python as in PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

Kind = Literal["location", "opaque"]

#: The serving engines whose opaque ids are rewritten (SQL: llm_model_ids.self_hosted_providers()).
SELF_HOSTED_PROVIDERS: Final = (
    "vllm",
    "sglang",
    "tgi",
    "text-generation-inference",
    "lmdeploy",
    "tensorrt-llm",
    "trtllm",
    "triton",
    "llama.cpp",
    "llamacpp",
    "llama-cpp",
    "ollama",
    "localai",
    "lmstudio",
    "aphrodite",
    "local",
)

_WHITESPACE: Final = " \t\n\r\f\v"
_FLAGS: Final = re.ASCII | re.DOTALL
_LOCATION: Final = re.compile(
    r"(/|~(/|\Z)|[.][.]?/|[A-Za-z]:[\\/]|\\\\"
    r"|([Ff][Ii][Ll][Ee]|[Ss]3|[Gg][Ss]|[Gg][Cc][Ss]|[Aa][Zz]|[Aa][Bb][Ff][Ss][Ss]?|[Hh][Ff]"
    r"|[Hh][Tt][Tt][Pp][Ss]?)://)",
    _FLAGS,
)
_OPAQUE: Final = re.compile(
    r"((([Jj][Oo][Bb]|[Rr][Uu][Nn])[-_])?"
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9]+)",
    _FLAGS,
)
_HUB_URL: Final = re.compile(
    r"([Hh][Tt][Tt][Pp][Ss]://[Hh][Uu][Gg][Gg][Ii][Nn][Gg][Ff][Aa][Cc][Ee][.][Cc][Oo]|[Hh][Ff]:/)"
    r"/([^/?#]+)/([^/?#]+)",
    _FLAGS,
)
_SEPARATORS: Final = re.compile(r"[/\\]", _FLAGS)
_WEIGHTS_EXTENSION: Final = re.compile(
    r"[.]([Gg][Gg][Uu][Ff]|[Ss][Aa][Ff][Ee][Tt][Ee][Nn][Ss][Oo][Rr][Ss]|[Bb][Ii][Nn]"
    r"|[Pp][Tt][Hh]?|[Oo][Nn][Nn][Xx])\Z",
    _FLAGS,
)
_ROOT_SEGMENT: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:", _FLAGS)
_STEP_FOLDER: Final = re.compile(
    r"(checkpoint[-_]|ckpt[-_]|global_step_?|step[-_]|epoch[-_])[0-9]+", _FLAGS
)
_DIGEST: Final = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}", _FLAGS)
# fmt: off
ARTIFACT_FOLDERS: Final = frozenset({
    "merged", "merged_model", "merged-model", "final", "final_model", "final-model", "best",
    "best_model", "latest", "last", "adapter", "adapters", "adapter_model", "lora", "lora_model",
    "snapshots",
})
GENERIC_CONTAINERS: Final = frozenset({
    "models", "model", "outputs", "output", "out", "logs", "runs", "checkpoints", "saves", "tmp",
    "data", "home", "root", "users", "desktop", "training", "trainer_output",
})
# fmt: on
UNUSABLE_BASE_MODELS: Final = frozenset({"unknown", "none", "null"})
FALLBACK_MODEL_ID: Final = "local-model"
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Normalized:
    """What the rules make of a row: the model_id to store, the rule that decided, and the kind
    of rewrite (``None`` when the row is left exactly as written)."""

    model_id: str | None
    rule: str
    kind: Kind | None

    @property
    def changed(self) -> bool:
        return self.kind is not None


def trim_ws(value: str) -> str:
    return value.strip(_WHITESPACE)


def _lower(value: str) -> str:
    """ASCII-only lower case, as PostgreSQL's lower() under the "C" collation."""
    return value.translate(_ASCII_LOWER)


def is_location(value: str) -> bool:
    return _LOCATION.match(value) is not None


def is_opaque(value: str) -> bool:
    return _OPAQUE.fullmatch(value) is not None


def is_readable(value: str | None) -> bool:
    return bool(value) and not is_location(value or "") and not is_opaque(value or "")


def is_self_hosted(provider: str | None) -> bool:
    return provider is not None and _lower(trim_ws(provider)) in SELF_HOSTED_PROVIDERS


def name_from_location(location: str) -> tuple[str, str] | None:
    """Rules 2 and 3 for a trimmed location: (name, rule) or None when it yields no name."""
    match = _HUB_URL.match(location)
    if match:
        hub_id = trim_ws(f"{match[2]}/{match[3]}")
        if is_readable(hub_id):
            return hub_id, "2:hub_id"
    segments = _SEPARATORS.split(location)
    for segment in reversed(segments):
        if segment.startswith("models--"):
            hub_id = trim_ws(segment[len("models--") :].replace("--", "/"))
            if is_readable(hub_id):
                return hub_id, "2:hub_id"
    for raw in reversed(segments):
        segment = trim_ws(_WEIGHTS_EXTENSION.sub("", trim_ws(raw), count=1))
        if not segment:
            continue
        if segment in (".", "..", "~") or _ROOT_SEGMENT.fullmatch(segment):
            return None
        lower = _lower(segment)
        if _STEP_FOLDER.fullmatch(lower) or lower in ARTIFACT_FOLDERS or _DIGEST.fullmatch(lower):
            continue
        if lower in GENERIC_CONTAINERS or not is_readable(segment):
            return None
        return segment, "3:path_name"
    return None


def normalize(
    model_id: str | None,
    base_model: str | None = None,
    name: str | None = None,
    provider: str | None = None,
) -> Normalized:
    """The readable model_id for a row, exactly as the trigger computes it."""
    if model_id is None:
        return Normalized(None, "keep:null", None)
    trimmed = trim_ws(model_id)
    kind: Kind
    if is_location(trimmed):
        kind = "location"
    elif not is_opaque(trimmed):
        return Normalized(model_id, "keep:readable", None)
    elif is_self_hosted(provider):
        kind = "opaque"
    else:
        return Normalized(model_id, "keep:hosted_opaque", None)

    base = trim_ws(base_model) if base_model is not None else None
    if base is not None and is_readable(base) and _lower(base) not in UNUSABLE_BASE_MODELS:
        return Normalized(base, "1:base_model", kind)
    if base is not None and is_location(base):
        derived = name_from_location(base)
        if derived:
            return Normalized(derived[0], "1:base_model_location", kind)
    if kind == "location":
        derived = name_from_location(trimmed)
        if derived:
            return Normalized(derived[0], derived[1], kind)
    display = trim_ws(name) if name is not None else None
    if is_readable(display):
        return Normalized(display, "4:name", kind)
    if kind == "location":
        return Normalized(FALLBACK_MODEL_ID, "5:local_model", kind)
    return Normalized(model_id, "keep:opaque_no_name", None)


class MetadataError(ValueError):
    """Metadata that is not a JSON object (SQLSTATE 22023 in the trigger)."""


def metadata_object(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise MetadataError(
            f"llm_models.metadata must be a JSON object, not a JSON {_json_type(metadata)}"
        )
    return metadata


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def normalize_metadata(
    model_id: str | None, metadata: Any, result: Normalized
) -> dict[str, Any] | Any:
    """The metadata the trigger stores for a row with this result (a new dict when rewritten)."""
    if result.kind is None or model_id is None:
        return metadata
    kept = dict(metadata_object(metadata))
    if result.kind == "location":
        original = trim_ws(model_id)
        if "model_path" in kept and kept["model_path"] != original:
            kept["previous_model_path"] = kept["model_path"]
        kept["model_path"] = original
    else:
        kept["original_model_id"] = model_id
    return kept


def normalize_row(row: dict[str, Any]) -> dict[str, Any]:
    """A copy of an llm_models row (a dict) as the INSERT trigger would store it."""
    result = normalize(
        row.get("model_id"), row.get("base_model"), row.get("name"), row.get("provider")
    )
    if result.kind is None:
        return dict(row)
    return {
        **row,
        "model_id": result.model_id,
        "metadata": normalize_metadata(row.get("model_id"), row.get("metadata"), result),
    }


def load_path(row: dict[str, Any]) -> str | None:
    """Where to load the weights from: metadata.model_path if it is a non-empty string, else
    model_id (the launcher's side of the rules; SQL: public.load_path(llm_models))."""
    metadata = row.get("metadata")
    if isinstance(metadata, dict):
        path = metadata.get("model_path")
        if isinstance(path, str) and path:
            return path
    model_id = row.get("model_id")
    return model_id if isinstance(model_id, str) else None
