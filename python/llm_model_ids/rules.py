"""The Python twin of the SQL rules in ``sql/llm_model_ids.sql`` (compiled from sql/src).

Every function here mirrors the SQL function of the same name; golden vectors and a hypothesis
test run both and require equal results. Regexes are the SQL ones, compiled with ASCII and DOTALL
so that ``[0-9]``, case and ``.`` mean the same thing in Python as in PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from llm_model_ids.rule_source import rule_source

Kind = Literal["location", "opaque"]

_SRC: Final = rule_source()
_FLAGS: Final = re.ASCII | re.DOTALL

#: The serving engines whose opaque ids and relative paths are rewritten
#: (SQL: llm_model_ids.self_hosted_providers()).
SELF_HOSTED_PROVIDERS: Final = _SRC.self_hosted_providers
ARTIFACT_FOLDERS: Final = frozenset(_SRC.artifact_folders)
GENERIC_CONTAINERS: Final = frozenset(_SRC.containers)
UNUSABLE_BASE_MODELS: Final = frozenset(_SRC.unusable_base_models)
FALLBACK_MODEL_ID: Final = _SRC.fallback_model_id
MAX_LENGTH: Final = _SRC.max_length

_WHITESPACE: Final = _SRC.whitespace
_INVISIBLE: Final = _SRC.whitespace + _SRC.invisible
_PROVIDERS: Final = frozenset(_SRC.self_hosted_providers)
_FIRST_SEGMENT_WORDS: Final = frozenset(_SRC.first_segment_words)
_HUB_CONTAINERS: Final = frozenset(_SRC.hub_layout_containers)
_LOCATION: Final = re.compile(_SRC.location, _FLAGS)
_OPAQUE_FIXED: Final = re.compile(_SRC.uuid_or_digest, _FLAGS)
_HUB_URL: Final = re.compile(_SRC.hub_url, _FLAGS)
_SEPARATORS: Final = re.compile(r"[/\\]", _FLAGS)
_WEIGHTS_EXTENSION: Final = re.compile(_SRC.weights_extension, _FLAGS)
_SHARD: Final = re.compile(_SRC.shard_suffix, _FLAGS)
_ROOT_SEGMENT: Final = re.compile(_SRC.root_segment, _FLAGS)
_STEP_FOLDER: Final = re.compile(_SRC.step_folder, _FLAGS)
_DIGEST_FOLDER: Final = re.compile(_SRC.digest_folder, _FLAGS)
_VARIANT_FOLDER: Final = re.compile(_SRC.variant_folder, _FLAGS)
_VERSION_FOLDER: Final = re.compile(_SRC.version_folder, _FLAGS)
_MODEL_VERSION: Final = re.compile(_SRC.model_version, _FLAGS)
_COMPOUND_ARTIFACT: Final = re.compile(_SRC.compound_artifact, _FLAGS)
_KAGGLE_FRAMEWORKS: Final = frozenset(_SRC.kaggle_frameworks)
_AREAL_STEP: Final = re.compile(_SRC.areal_step, _FLAGS)
_RANK_STATES: Final = re.compile(_SRC.rank_states, _FLAGS)
_NUMBERED_WEIGHTS: Final = re.compile(_SRC.numbered_weights, _FLAGS)
_STEP_CONTAINERS: Final = frozenset(_SRC.step_containers)
_ROUTE_PREFIXES: Final = frozenset(_SRC.route_prefixes)
_GATEWAY_PREFIXES: Final = frozenset(_SRC.gateway_prefixes)
_REGISTRY_REF: Final = re.compile(_SRC.registry_ref, _FLAGS)
_OLLAMA_URL: Final = re.compile(f"^(?:{_SRC.ollama_url})", _FLAGS)
_OLLAMA_REF: Final = re.compile(_SRC.ollama_ref, _FLAGS)
_OLLAMA_HOST_PATH: Final = re.compile(_SRC.ollama_host_path, _FLAGS)
_VOLUME_URI: Final = re.compile(f"^(?:{_SRC.volume_uri})", _FLAGS)  # at the start only
_IMAGE_TAG: Final = re.compile(f"^(?:{_SRC.image_tag})", _FLAGS)
_SHORT_HUB_URI: Final = re.compile(f"^(?:{_SRC.short_hub_uri})", _FLAGS)  # at the start only
_CONVERTED_FILE: Final = re.compile(_SRC.converted_file, _FLAGS)
_HUB_REF: Final = re.compile(_SRC.hub_ref, _FLAGS)
_VERSION_DOTS: Final = re.compile(_SRC.version_dots, _FLAGS)
_URI_QUERY: Final = re.compile(f"^(?:{_SRC.uri_query})", _FLAGS)
_OLLAMA_MANIFEST: Final = re.compile(_SRC.ollama_manifest, _FLAGS)
_TEMP_FOLDER: Final = re.compile(_SRC.temp_folder, _FLAGS)
_SPECIAL_FIRST: Final = re.compile(
    f"{_SRC.step_folder}|{_SRC.digest_folder}|{_SRC.temp_folder}", _FLAGS
)
_HOST: Final = re.compile(_SRC.host, _FLAGS)
_HUB_NAME: Final = re.compile(_SRC.hub_name, _FLAGS)
_THREE_SEGMENTS: Final = re.compile(_SRC.three_segments, _FLAGS)
_GENERIC_WEIGHTS: Final = re.compile(
    "(" + "|".join(_SRC.generic_weights) + ")(-[0-9]{5}-of-[0-9]{5})?", _FLAGS
)
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


def is_invisible(value: str) -> bool:
    """No visible character: only ASCII whitespace and the invisible characters of the rules."""
    return value.strip(_INVISIBLE) == ""


def is_location(value: str) -> bool:
    return _LOCATION.match(value) is not None


def is_opaque(value: str) -> bool:
    if value != "" and value.lstrip("0123456789") == "":
        return True
    return len(value) in _SRC.opaque_lengths and _OPAQUE_FIXED.fullmatch(value) is not None


def is_self_hosted(provider: str | None) -> bool:
    return provider is not None and _lower(trim_ws(provider)) in _PROVIDERS


def _first_segment(value: str) -> str:
    return value.replace("\\", "/").split("/", 1)[0]


def _last_step(segment: str) -> bool:
    """A relative path's last segment that makes it a path: a step or run folder with a '-' or
    '_' (checkpoint-100, global_step100; not step3, a model's name: stepfun-ai/step3)."""
    separated = "-" in segment or "_" in segment
    return separated and _STEP_FOLDER.fullmatch(_lower(segment)) is not None


def _routed_registry_name(value: str) -> str | None:
    """A route or gateway prefix in front of Ollama's name of a model pulled from a registry,
    {route}/{host}/{org}/{repo}[:{tag}] (LiteLLM's ollama_chat/hf.co/...; since 1.17): Ollama's
    name, {host}/{org}/{repo}[:{tag}], readable as written. None for any other value.
    (SQL: ROUTED_REGISTRY, whose '.' gate is the first test here too.)"""
    if "." not in value or _REGISTRY_REF.fullmatch(_lower(value)) is None:
        return None
    return value.split("/", 1)[1]


def is_relative(value: str) -> bool:
    """A relative path, for a value that is neither a location nor opaque (rule 3 of v2)."""
    if _OLLAMA_HOST_PATH.fullmatch(value) is not None:
        # Ollama's registry.ollama.ai/{namespace}/{model}[:{tag}] (since 1.18), read as ollama://
        return True
    if ":" in value:
        # (a route before Ollama's name with no tag has three segments or more: a path already)
        return _hub_ref(value) is not None or _routed_registry_name(value) is not None
    first = _first_segment(value)
    separated = "/" in value or "\\" in value
    if separated and _HOST.fullmatch(first):
        return False
    return (
        "\\" in value
        or value.endswith("/")
        or _THREE_SEGMENTS.search(value) is not None
        or _WEIGHTS_EXTENSION.search(value) is not None
        or (
            separated
            and (
                _lower(first) in _FIRST_SEGMENT_WORDS
                or _SPECIAL_FIRST.fullmatch(_lower(first)) is not None
                or _last_step(value.rsplit("/", 1)[-1])
            )
        )
    )


def _hub_ref(value: str) -> str | None:
    """{org}/{repo}:{branch or file} (text-generation-webui's download of a branch, Lemonade's
    checkpoint of a file; since 1.16): org/repo, when both are hub layout parts and the part after
    the ':' is a weights file or a variant folder. (SQL: the HUB_REF macro.)"""
    match = _HUB_REF.fullmatch(value)
    if match is None:
        return None
    org, repo, rest = match.groups()
    if not (_hub_part(org) and _hub_part(repo)):
        return None
    if _weights_file(rest) or _VARIANT_FOLDER.fullmatch(_lower(rest)) is not None:
        return f"{org}/{repo}"
    return None


def _long_relative(value: str) -> bool:
    """An over-long value (never parsed) is a relative path when it has a separator or ends
    with a weights extension, and no ':'."""
    return ":" not in value and (
        "/" in value or "\\" in value or _WEIGHTS_EXTENSION.search(value) is not None
    )


def is_readable(value: str | None) -> bool:
    """What a hosted provider's rewrite may produce (SQL: llm_model_ids.is_readable)."""
    return (
        value is not None
        and not is_invisible(value)
        and len(value) <= MAX_LENGTH
        and not is_location(value)
        and not is_opaque(value)
    )


def _usable(value: str | None, self_hosted: bool) -> bool:
    """A candidate the rules may store: readable, and for a self-hosted engine not a relative
    path, so that writing the result again changes nothing."""
    return is_readable(value) and not (self_hosted and is_relative(value or ""))


def _weights_file(segment: str) -> bool:
    return _WEIGHTS_EXTENSION.search(segment) is not None or _generic_weights_file(segment)


def _generic_weights_file(segment: str) -> bool:
    if "." not in segment:
        return False
    stem = _lower(segment.split(".", 1)[0])
    return (
        _GENERIC_WEIGHTS.fullmatch(stem) is not None
        or _RANK_STATES.fullmatch(stem) is not None
        or _NUMBERED_WEIGHTS.fullmatch(stem) is not None
    )


def _skipped(lower: str) -> bool:
    return (
        lower in ARTIFACT_FOLDERS
        or _STEP_FOLDER.fullmatch(lower) is not None
        or _DIGEST_FOLDER.fullmatch(lower) is not None
        or _VARIANT_FOLDER.fullmatch(lower) is not None
        or _COMPOUND_ARTIFACT.fullmatch(lower) is not None
    )


def _skip_layout(segments: list[str], i: int, lower: str) -> None:
    """At a skipped segment i, blank the two folders above it that a layout puts between the
    model's name and that segment, so that both walks skip them as empty segments: Kaggle Models'
    {model}/{framework}/{variation}/{version} (a version folder whose segment two above is a
    framework) and, since 1.17, AReaL's {experiment}/{trial}/{role}/{step} (its step folder
    epoch{N}epochstep{N}globalstep{N})."""
    if i >= 2 and (
        (
            _VERSION_FOLDER.fullmatch(lower) is not None
            and _lower(trim_ws(segments[i - 2])) in _KAGGLE_FRAMEWORKS
        )
        or _AREAL_STEP.fullmatch(lower) is not None
    ):
        segments[i - 1] = segments[i - 2] = ""


def _container(lower: str) -> bool:
    return lower in GENERIC_CONTAINERS or _TEMP_FOLDER.fullmatch(lower) is not None


def _hub_part(value: str) -> bool:
    lower = _lower(value)
    return (
        _HUB_NAME.fullmatch(value) is not None
        and not _container(lower)
        and lower not in _HUB_CONTAINERS
        and not _skipped(lower)
        and not is_opaque(value)
    )


def _hub_layout(segments: list[str], self_hosted: bool) -> str | None:
    """Rule 2's hub layout: after a trailing weights file and skipped folders, the path ends in
    .../{container}/{org}/{name}. (Blanks Kaggle's framework and variation in ``segments``.)"""
    end = None
    seen = False
    for i in range(len(segments) - 1, -1, -1):
        segment = trim_ws(segments[i])
        if is_invisible(segment):
            continue
        if not seen:
            seen = True
            if _weights_file(segment):
                continue
        lower = _lower(segment)
        if _skipped(lower):
            _skip_layout(segments, i, lower)
            continue
        if _generic_weights_file(segment):
            continue
        end = i + 1
        break
    if end is None:
        return None
    kept = [trim_ws(s) for s in segments[:end] if not is_invisible(trim_ws(s))]
    i = len(kept)
    if i < 3 or _lower(kept[i - 3]) not in _HUB_CONTAINERS:
        return None
    org, name = kept[i - 2], kept[i - 1]
    if not (_hub_part(org) and _hub_part(name)) or _model_version(segments, end):
        return None
    candidate = _decoded(f"{org}/{name}")
    return candidate if _usable(candidate, self_hosted) else None


def _decoded(hub_id: str) -> str:
    """A hub id from folders with ModelScope's "___" put back to "." (its downloads write
    Qwen/Qwen2.5-7B-Instruct as Qwen/Qwen2___5-7B-Instruct)."""
    return hub_id.replace("___", ".")


def _step_container(segments: list[str], i: int, lower: str) -> bool:
    """Segment i is a container that holds a run's checkpoints, directly above a skipped folder
    or file (its weights extension stripped: {run}/checkpoints/checkpoint-1000, .../best,
    .../last.ckpt, .../14499; since 1.18 more than a step or run folder): rule 3 skips it."""
    if lower not in _STEP_CONTAINERS or i + 1 >= len(segments):
        return False
    return _skipped(_WEIGHTS_EXTENSION.sub("", _lower(trim_ws(segments[i + 1])), count=1))


def _model_version(segments: list[str], end: int) -> bool:
    """The name's folder holds a version folder (segment ``end``, directly below the name): a
    model repository's {repo}/{model}/{version} (Triton's {model}/1/model.onnx, a registry's
    {model}/v1), no hub layout. (Kaggle's version folder is not directly below its model: the
    framework and variation, blanked, are.)"""
    below = _lower(trim_ws(segments[end])) if end < len(segments) else ""
    return _MODEL_VERSION.fullmatch(below) is not None


def _relative_hub_id(segments: list[str], self_hosted: bool) -> str | None:
    """A relative {org}/{name}/ (a hub id with a trailing separator, as a download's --local-dir
    writes it) or {org}/{name}/{weights file} (llama.cpp's {org}/{repo}/{file}.gguf): org/name."""
    if len(segments) != 3 or not (segments[2] == "" or _weights_file(trim_ws(segments[2]))):
        return None
    org, name = segments[0], segments[1]
    if not (_hub_part(org) and _hub_part(name)):
        return None
    candidate = _decoded(f"{org}/{name}")
    return candidate if _usable(candidate, self_hosted) else None


def _ollama_name(segments: list[str]) -> str | None:
    """Ollama's manifest .../manifests/{host}/{namespace}/{model}/{tag}: the model's name as Ollama
    writes it, {model}:{tag}, with {namespace}/ when it is not the default one and {host}/ when
    the host is not the default one."""
    if len(segments) < 5 or segments[-5] != _SRC.ollama_manifests_folder:
        return None
    match = _OLLAMA_MANIFEST.fullmatch("/".join(segments[-4:]))
    if match is None:
        return None
    host, namespace, model, tag = match.groups()
    if _lower(host) != _SRC.ollama_default_host:
        return f"{host}/{namespace}/{model}:{tag}"
    if _lower(namespace) != _SRC.ollama_default_namespace:
        return f"{namespace}/{model}:{tag}"
    return f"{model}:{tag}"


def _modelscope_download(
    segments: list[str], i: int, name: str, self_hosted: bool
) -> tuple[str, str] | None:
    """Rule 3's name (segment i) written as ModelScope's downloads write a version's "." between
    two digits, "___" (Qwen2___5-7B-Instruct; since 1.16): a download's folder, in its org's
    folder ({cache_dir}/{org}/{name}). Its org/name when the visible segment above is a hub
    layout part, else the name with those "___" put back to "." (a bare folder's other "___"
    are its own). None for a name with no such "___". (SQL: the MODELSCOPE_NAME macro.)"""
    if _VERSION_DOTS.search(name) is None:
        return None
    for j in range(i - 1, -1, -1):
        org = trim_ws(segments[j])
        if is_invisible(org):
            continue
        if _hub_part(org):
            candidate = _decoded(f"{org}/{name}")
            if _usable(candidate, self_hosted):
                return candidate, "2:hub_layout"
        break
    return _VERSION_DOTS.sub(r"\1.", name), "3:path_name"


def _snapshot_cache(folder: str, self_hosted: bool) -> str | None:
    """ModelScope's cache folder {org}--{name} (above snapshots/{revision}): org/name."""
    parts = trim_ws(folder).split("--")
    if len(parts) != 2 or not (_hub_part(parts[0]) and _hub_part(parts[1])):
        return None
    candidate = _decoded(f"{parts[0]}/{parts[1]}")
    return candidate if _usable(candidate, self_hosted) else None


def name_from_location(location: str, self_hosted: bool = False) -> tuple[str, str] | None:
    """Rules 2 and 3 for a trimmed location: (name, rule) or None when it yields no name."""
    ollama_hosted = _OLLAMA_HOST_PATH.fullmatch(location)
    if ollama_hosted is not None:
        # registry.ollama.ai/{namespace}/{model}[:{tag}], maybe behind a route: read as ollama://
        location = "ollama://" + ollama_hosted[1]
    if ":/" not in location:
        # ollama_chat/hf.co/{org}/{repo}:{tag}: Ollama's name, without the route
        routed = _routed_registry_name(location)
        if routed is not None and _usable(routed, self_hosted):
            return routed, "2:hub_id"
    if ":" in location and ":/" not in location and _SHORT_HUB_URI.match(location):
        # hf:{org}/{name}... and hf-hub:{org}/{name}, read as hf://
        location = "hf://" + location.split(":", 1)[1]
    if ":/" in location:
        if "?" in location or "#" in location:
            query = _URI_QUERY.match(location)
            if query is not None:
                location = query[1]
        ollama_url = _OLLAMA_URL.match(location)
        if ollama_url is not None:
            # https://ollama.com/{namespace}/{model}, read as ollama://
            location = "ollama://" + location[ollama_url.end() :]
        match = _HUB_URL.match(location)
        if match:
            hub_id = trim_ws(f"{match[2]}/{match[3]}")
            if _usable(hub_id, self_hosted):
                return hub_id, "2:hub_id"
        ollama_ref = _OLLAMA_REF.fullmatch(location)
        if ollama_ref is not None:
            # ollama://{namespace}/{model}[:{tag}]: Ollama's name, the default namespace left out
            named = location[len("ollama://") :]
            if _lower(ollama_ref[1]) == _SRC.ollama_default_namespace:
                named = named[len(ollama_ref[1]) + 1 :]
            if _usable(named, self_hosted):
                return named, "2:hub_id"
        location = _IMAGE_TAG.sub(r"\1", _VOLUME_URI.sub(r"\1://", location, count=1), count=1)
    segments = _SEPARATORS.split(location)
    for segment in reversed(segments):
        if segment.startswith("models--"):
            hub_id = trim_ws(segment[len("models--") :].replace("--", "/"))
            if _usable(hub_id, self_hosted):
                return hub_id, "2:hub_id"
    for i in range(len(segments) - 1, 0, -1):
        if "--" in segments[i - 1] and _lower(trim_ws(segments[i])) == _SRC.snapshots_folder:
            cached = _snapshot_cache(segments[i - 1], self_hosted)
            if cached is not None:
                return cached, "2:hub_id"
    if len(segments) <= 3:
        if _lower(segments[0]) in _ROUTE_PREFIXES:
            # LiteLLM's route {provider}/{model}: the model, if usable
            routed = trim_ws(location[len(segments[0]) + 1 :])
            if _usable(routed, self_hosted):
                return routed, "2:hub_id"
        elif len(segments) == 3 and _lower(segments[0]) in _GATEWAY_PREFIXES:
            # a gateway's route {route}/{org}/{name}: org/name, if usable
            routed = f"{segments[1]}/{segments[2]}"
            if _hub_part(segments[1]) and _hub_part(segments[2]) and _usable(routed, self_hosted):
                return routed, "2:hub_id"
        else:
            # text-generation-webui's {org}/{repo}:{branch}, Lemonade's {org}/{repo}:{file}
            ref = _hub_ref(location) if len(segments) == 2 else None
            if ref is not None and _usable(ref, self_hosted):
                return ref, "2:hub_id"
            relative = _relative_hub_id(segments, self_hosted)
            if relative is not None:
                return relative, "2:hub_layout"
    else:
        ollama = _ollama_name(segments)
        if ollama is not None and _usable(ollama, self_hosted):
            return ollama, "2:hub_layout"
    layout = _hub_layout(segments, self_hosted)
    if layout is not None:
        return layout, "2:hub_layout"
    # (a llama.cpp converted file, ggml-model-{type}: its folder's name, else its own)
    converted: tuple[str, str] | None = None
    for i in range(len(segments) - 1, -1, -1):
        segment = trim_ws(segments[i])
        if is_invisible(segment) or _generic_weights_file(segment):
            continue
        if _WEIGHTS_EXTENSION.search(segment):
            segment = _SHARD.sub("", trim_ws(_WEIGHTS_EXTENSION.sub("", segment, count=1)), count=1)
            if is_invisible(segment):
                continue
            if converted is None and _CONVERTED_FILE.fullmatch(_lower(segment)):
                converted = (segment, "3:path_name")
                continue
        if _ROOT_SEGMENT.fullmatch(segment):
            return converted
        lower = _lower(segment)
        if _skipped(lower):
            _skip_layout(segments, i, lower)
            continue
        if _container(lower):
            if _step_container(segments, i, lower):
                continue
            return converted
        if not _usable(segment, self_hosted):
            return converted
        return _modelscope_download(segments, i, segment, self_hosted) or (segment, "3:path_name")
    return converted


def _location_like(value: str, self_hosted: bool) -> bool:
    """A base model that is parsed like a location (rule 1 on a location)."""
    return len(value) <= MAX_LENGTH and (
        is_location(value) or (self_hosted and not is_opaque(value) and is_relative(value))
    )


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
    if is_invisible(trimmed):
        return Normalized(model_id, "keep:empty", None)
    self_hosted = is_self_hosted(provider)
    too_long = len(trimmed) > MAX_LENGTH
    kind: Kind
    if is_location(trimmed):
        kind = "location"
    elif is_opaque(trimmed):
        if not self_hosted:
            return Normalized(model_id, "keep:hosted_opaque", None)
        kind = "opaque"
    elif self_hosted and (_long_relative(trimmed) if too_long else is_relative(trimmed)):
        kind = "location"
    else:
        return Normalized(model_id, "keep:readable", None)

    base = trim_ws(base_model) if base_model is not None else None
    if _usable(base, self_hosted) and _lower(base or "") not in UNUSABLE_BASE_MODELS:
        return Normalized(base, "1:base_model", kind)
    if base is not None and _location_like(base, self_hosted):
        derived = name_from_location(base, self_hosted)
        if derived:
            return Normalized(derived[0], "1:base_model_location", kind)
    if kind == "location" and not too_long:
        derived = name_from_location(trimmed, self_hosted)
        if derived:
            return Normalized(derived[0], derived[1], kind)
    display = trim_ws(name) if name is not None else None
    if _usable(display, self_hosted):
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
