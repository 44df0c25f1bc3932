"""The rules' word lists and patterns, read from ``sql/rules.toml`` (their one source).

The SQL generator (``scripts/compile_sql.py``) and the Python twin (``rules.py``) both take their
patterns from here, so a pattern is written once. Patterns use the subset of regular-expression
syntax on which PostgreSQL's ARE and Python's ``re`` (with ASCII and DOTALL) agree, and are kept
unanchored: SQL wraps them in ``^(...)$``, Python uses ``fullmatch``/``match``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


def _rules_file() -> Path:
    packaged = Path(str(resources.files("llm_model_ids"))) / "sql" / "rules.toml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "sql" / "rules.toml"


def ci(word: str) -> str:
    """A pattern matching ``word`` in any ASCII case: ``[Hh][Ff]``; "." and other punctuation
    are matched literally."""
    out = []
    for char in word:
        if char.isascii() and char.isalpha():
            out.append(f"[{char.upper()}{char.lower()}]")
        elif (char.isascii() and char.isalnum()) or char in "-_":
            out.append(char)
        else:
            out.append(f"[{char}]")
    return "".join(out)


def _alternatives(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(ci(word) for word in words)


@dataclass(frozen=True)
class RuleSource:
    """Everything the rules need, from sql/rules.toml."""

    version: str
    max_length: int
    whitespace: str
    invisible: str
    self_hosted_providers: tuple[str, ...]
    location_schemes: tuple[str, ...]
    weights_extensions: tuple[str, ...]
    generic_weights: tuple[str, ...]
    step_prefixes: tuple[str, ...]
    artifact_folders: tuple[str, ...]
    artifact_words: tuple[str, ...]
    kaggle_frameworks: tuple[str, ...]
    generic_containers: tuple[str, ...]
    step_containers: tuple[str, ...]
    volume_schemes: tuple[str, ...]
    host_schemes: tuple[str, ...]
    image_schemes: tuple[str, ...]
    route_prefixes: tuple[str, ...]
    gateway_prefixes: tuple[str, ...]
    hub_layout_containers: tuple[str, ...]
    ollama_manifests_folder: str
    ollama_default_host: str
    ollama_default_namespace: str
    hub_url_hosts: tuple[str, ...]
    modelscope_url_hosts: tuple[str, ...]
    ollama_hosts: tuple[str, ...]
    hub_schemes: tuple[str, ...]
    short_hub_schemes: tuple[str, ...]
    snapshots_folder: str
    unusable_base_models: tuple[str, ...]
    fallback_model_id: str

    # ---- patterns (unanchored) ---------------------------------------------------------------
    @property
    def env_prefix(self) -> str:
        """An unexpanded environment variable: $NAME, ${NAME}, %NAME%."""
        name = "[A-Za-z_][A-Za-z0-9_]*"
        return rf"\${name}|\$\{{{name}\}}|%{name}%"

    @property
    def location(self) -> str:
        """The start of a location (match at the start of a trimmed value)."""
        return (
            r"/|~([/\\]|$)|[.][.]?[/\\]|[A-Za-z]:[\\/]|\\\\"
            rf"|({self.env_prefix})[/\\]"
            rf"|({_alternatives(self.location_schemes)})://"
            rf"|{self.short_hub_uri}"
        )

    @property
    def short_hub_uri(self) -> str:
        """A short hub URI, hf:{org}/{name} or hf-hub:{org}/{name} (match at the start of a
        trimmed value; since 1.16): a scheme of ``short_hub_schemes`` and a ':' not followed by
        a separator. The rules read it as hf://{what follows the ':'}."""
        return rf"({_alternatives(self.short_hub_schemes)}):[^/\\]"

    @property
    def version_dots(self) -> str:
        """ModelScope's "___" for a version's "." between two digits (search; group 1 is the
        digit before it): its downloads write Qwen2.5-7B-Instruct as Qwen2___5-7B-Instruct."""
        return "([0-9])___(?=[0-9])"

    @property
    def converted_file(self) -> str:
        """llama.cpp's converted file, ggml-model-{type}, also model-{type}, model_{type} or the
        type alone (fullmatch on the lower-cased name without its extension; since 1.16): a
        float type or a quantization type (q4_0, q4_k_m, iq2_xxs, tq1_0)."""
        return "((ggml-|mmproj-)?model[-_])?(f16|f32|bf16|(q|iq|tq)[0-9]+(_[0-9a-z]+)*)"

    @property
    def root_segment(self) -> str:
        """A path segment that is the root of the path: the walk for a name stops there."""
        return rf"[A-Za-z][A-Za-z0-9+.-]*:|{self.env_prefix}|[.][.]?|~"

    @property
    def hex_digest(self) -> str:
        return "[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}"

    @property
    def uuid_or_digest(self) -> str:
        """The opaque ids that have a fixed length (36, 40, 47, 64, 71): a UUID, optionally
        job_/run_ prefixed, a 40/64-hex digest, sha256-/sha256: and a digest."""
        hexd = "[0-9A-Fa-f]"
        return (
            rf"(({ci('job')}|{ci('run')})[-_])?"
            rf"{hexd}{{8}}-{hexd}{{4}}-{hexd}{{4}}-{hexd}{{4}}-{hexd}{{12}}"
            rf"|{self.hex_digest}|{ci('sha256')}[-:]({self.hex_digest})"
        )

    @property
    def opaque_lengths(self) -> tuple[int, ...]:
        return (36, 40, 47, 64, 71)

    @property
    def opaque_characters(self) -> str:
        """Every character of an id uuid_or_digest matches, lower-cased: a value of an opaque
        length with any other character is no such id (the SQL's FAST_NAME_MORE tests that with
        one translate() instead of the regex)."""
        return "0123456789abcdef-_:jobrunsh"

    @property
    def weights_extension(self) -> str:
        """A weights-file extension at the end of a value (search; ends with $)."""
        return rf"[.]({_alternatives(self.weights_extensions)})$"

    @property
    def shard_suffix(self) -> str:
        """The shard suffix of a weights file's stem (search; ends with $)."""
        return "-[0-9]{5}-[Oo][Ff]-[0-9]{5}$"

    @property
    def step_folder(self) -> str:
        """A training-step folder or a run folder (fullmatch on the lower-cased segment)."""
        prefixes = "|".join(self.step_prefixes)
        return rf"({prefixes})[-_]?[0-9]+([-_.].*)?|{self.run_folder}"

    @property
    def run_folder(self) -> str:
        """A trainer's run folder (fullmatch on the lower-cased segment), skipped like a step
        folder: ms-swift's v{N}-{YYYYMMDD}-{HHMMSS}, LLaMA-Factory's web UI
        train_{YYYY-MM-DD-HH-MM-SS}, AReaL's step folder, and (since 1.18) Composer's
        checkpoints ep{N}-ba{N}[-rank{N}] (LLM Foundry's ep0-ba1000-rank0.pt)."""
        return (
            f"v[0-9]+-[0-9]{{8}}-[0-9]{{6}}|train_[0-9]{{4}}(-[0-9]{{2}}){{5}}|{self.areal_step}"
            "|ep[0-9]+-ba[0-9]+(-rank[0-9]+)?"
        )

    @property
    def areal_step(self) -> str:
        """AReaL's checkpoint folder epoch{N}epochstep{N}globalstep{N} (fullmatch on the
        lower-cased segment; since 1.17), below {experiment}/{trial}/{role}: a run folder, and the
        trial and role folders above it are skipped too (rules.py _skip_layout)."""
        return "epoch[0-9]+epochstep[0-9]+globalstep[0-9]+"

    @property
    def date_folder(self) -> str:
        """A folder named for a date or a time (fullmatch): two or more parts of two or more
        digits, joined by - _ or . (20261002-0859, Hydra's 2024-10-02/08-59-12), skipped like
        a run folder."""
        return "[0-9]{2,}([-_.][0-9]{2,})+"

    @property
    def run_folder_likes(self) -> tuple[str, ...]:
        """The run folders' starts as LIKE patterns (true wherever ``run_folder`` matches; each
        starts with the letter its pattern starts with)."""
        return ("v%-________-______", "train%", "epoch%epochstep%globalstep%", "ep%-ba%")

    @property
    def variant_folder(self) -> str:
        """A version or variant folder below a model's folder (fullmatch on the lower-cased
        segment), skipped: 1 to 3 digits (Triton's {model}/1/model.onnx, Kaggle's version; since
        1.18 any number of digits: a step number, nanotron's and Orbax's {run}/{step}; and a
        version with dots or a "v", v1.2, 2.0.1, v20260301, as buckets and registries store
        one: s3://{bucket}/{model}/v1.2/),
        also after a "v" (a model registry's {model}/v1, since 1.14), a date or time (since 1.14),
        TensorRT-LLM's {N}-gpu, ExLlamaV2's {N.N}bpw branches (6.0bpw, 8.0bpw_h8), GPTQ-for-LLaMa's
        {N}bit-{N}g (4bit-128g.safetensors, since 1.16), ONNX Runtime GenAI's
        {target}-{precision}... (cpu-int4-rtn-block-32-acc-level-4, since 1.16), the GPTQ/AWQ
        branches (gptq-4bit-32g-actorder_true) and Megatron's rank folders (mp_rank_00,
        mp_rank_00_001); since 1.18 accelerate's FSDP folders (pytorch_model_fsdp_0) and
        ``metrics_folder``."""
        return f"{self.variant_shapes}|{self.metrics_folder}"

    @property
    def variant_shapes(self) -> str:
        """``variant_folder`` but the metrics folders. Each alternative starts with a digit or
        with one of ``variant_starts`` (the SQL's gate; the metrics folders' is an "=")."""
        return (
            f"v?[0-9]+([.][0-9]+)*|{self.date_folder}"  # (model_version's among them)
            "|[0-9]+-gpus?|[0-9]+([.][0-9]+)?bpw([-_].*)?"
            "|[0-9]+bits?(-[0-9]+g)?"
            "|(cpu|cuda|directml|dml|gpu|npu|webgpu)[-_](int4|int8|fp16|fp32|bf16|fp8)([-_].*)?"
            "|(gptq|awq)[-_][0-9]+bits?([-_].*)?|mp_rank_[0-9]+(_[0-9]+)*"
            "|pytorch_model_fsdp_[0-9]+"
        )

    @property
    def metrics_folder(self) -> str:
        """A checkpoint named for its metrics (fullmatch on the lower-cased segment, a file's
        without its extension; since 1.18): Lightning's epoch={N}-step={N}, NeMo's
        {name}--val_loss={x}-step={N}-consumed_samples={x}[-last] (its {name} is the run's or
        model_name=0). Every one has an "=" (the SQL's gate)."""
        pair = "[a-z_]+=[-+.0-9e]*"
        return f"([^=/]*--)?{pair}(-{{1,2}}{pair})*(-last|-v[0-9]+)?"

    @property
    def variant_starts(self) -> tuple[str, ...]:
        """The first two characters of the variant folders that do not start with a digit."""
        targets = ("cp", "cu", "di", "dm", "np", "we")  # ONNX Runtime GenAI's (1.16)
        return ("gp", "aw", "mp", "py", *targets, *(f"v{digit}" for digit in range(10)))

    @property
    def rank_states(self) -> str:
        """DeepSpeed's per-rank states, a generic weights file's stem (fullmatch on the lower-cased
        stem): mp_rank_00_model_states, bf16_zero_pp_rank_0_mp_rank_00_optim_states."""
        return "((bf16_)?zero_pp_rank_[0-9]+_)?mp_rank_[0-9]+_(model|optim)_states"

    @property
    def numbered_weights(self) -> str:
        """torchtune's checkpoint files, a generic weights file's stem (fullmatch on the
        lower-cased stem): hf_model_0001_0, meta_model_0, adapter_0 (shard and epoch numbers)."""
        return "(hf_model_[0-9]+|meta_model|adapter)_[0-9]+"

    @property
    def numbered_weights_likes(self) -> tuple[str, ...]:
        """The starts of ``numbered_weights`` as LIKE patterns (its SQL gate; a superset, since
        "_" matches any character)."""
        return ("hf_model_%", "meta_model_%", "adapter_%")

    @property
    def volume_uri(self) -> str:
        """A URI whose first segment is a volume or a host, not a folder (match at the start;
        group 1 is the scheme): KServe's pvc://{claim}/{path}, https://{host}/{path}. The rules
        name the path below it."""
        return rf"({_alternatives(self.volume_schemes + self.host_schemes)})://[^/\\]*"

    @property
    def image_tag(self) -> str:
        """An OCI image reference's tag or digest (match at the start; group 1 is the reference
        without it): oci://{registry}/{repository}:{tag}, ...@sha256:{digest}. A tag says which
        build of the image, not which model."""
        return (
            rf"(({_alternatives(self.image_schemes)})://([^/\\]*[/\\])*[^/\\:@]*)"
            rf"[:@][^/\\]*$"
        )

    @property
    def version_digits(self) -> int:
        """A version folder has 1 to this many digits: Kaggle's layout and a model repository's
        {model}/{version} (a folder of more digits is skipped too since 1.18, as a step)."""
        return 3

    @property
    def version_folder(self) -> str:
        """The version folder alone (fullmatch): Kaggle's layout starts at one."""
        return f"[0-9]{{1,{self.version_digits}}}"

    @property
    def model_version(self) -> str:
        """A version folder with or without a "v" (fullmatch on the lower-cased segment): a
        model repository's {model}/{version} (Triton's {model}/1, a registry's {model}/v1),
        below a model's folder, never a hub layout's name."""
        return f"v?{self.version_folder}"

    @property
    def compound_artifact(self) -> str:
        """An artifact folder of several words (fullmatch on the lower-cased segment): an
        artifact word (digits may follow), then after each - or _ an artifact word (with
        digits), digits, or a placeholder {step} or ${step}."""
        word = f"({'|'.join(self.artifact_words)})[0-9]*"
        return rf"{word}([-_]({word}|[0-9]+|[$]?[{{][^{{}}]*[}}]))+"

    @property
    def digest_folder(self) -> str:
        """A digest folder (fullmatch on the lower-cased segment)."""
        return "[0-9a-f]{40}|[0-9a-f]{64}|sha256[-:]([0-9a-f]{40}|[0-9a-f]{64})"

    @property
    def temp_folder(self) -> str:
        """mkdtemp's folder, tmp + 8 characters (fullmatch on the lower-cased segment)."""
        return "tmp[a-z0-9_]{8}"

    @property
    def host(self) -> str:
        """A first segment that looks like a host name (fullmatch): hf.co, registry.ollama.ai."""
        return "([a-z0-9-]+[.])+[a-z]+"

    @property
    def hub_url(self) -> str:
        """https://huggingface.co/{org}/{name} (and the other ``hub_url_hosts``, also http://),
        ModelScope's https://modelscope.cn/models/{org}/{name}, hf://{org}/{name},
        huggingface://{org}/{name}, and RamaLama's modelscope://{org}/{name}, ms://{org}/{name}
        (match at the start; groups 2 and 3 are org and name, which end at a / ? # or @:
        HfFileSystem's hf://{org}/{name}@{revision}). Since 1.16 also the Hub's API,
        https://huggingface.co/api/models/{org}/{name}."""
        http = f"{ci('http')}[Ss]?://"
        return (
            rf"({http}(?:{_alternatives(self.hub_url_hosts)})"
            rf"(?:/{ci('api')}/{ci('models')}|/{ci('datasets')}|/{ci('spaces')})?"
            rf"|{http}(?:{_alternatives(self.modelscope_url_hosts)})/{ci('models')}"
            rf"|(?:{_alternatives(self.hub_schemes)}):/)"
            r"/([^/?#@]+)/([^/?#@]+)"
        )

    @property
    def registry_ref(self) -> str:
        """A route or gateway prefix in front of Ollama's name of a model pulled from a registry,
        {route}/{host}/{org}/{repo}[:{tag}] (fullmatch on the lower-cased value; since 1.17),
        whose host is a hub URL host, a ModelScope host or an Ollama host:
        ollama_chat/hf.co/{org}/{repo}. The name is the part after the first /."""
        words = "|".join(self.route_prefixes + self.gateway_prefixes)
        hosts = "|".join(
            h.replace(".", "[.]")
            for h in self.hub_url_hosts + self.modelscope_url_hosts + self.ollama_hosts
        )
        return rf"(?:{words})/(?:{hosts})/[^/]+/[^/]+"

    @property
    def ollama_url(self) -> str:
        """https://{Ollama's host}/ (also http://; match at the start; since 1.17): a page or
        a registry path of Ollama's, read as ollama://."""
        return rf"{ci('http')}[Ss]?://(?:{_alternatives(self.ollama_hosts)})/"

    @property
    def ollama_host_path(self) -> str:
        """Ollama's name of a model in its own registry without a scheme, optionally behind a
        route or gateway prefix, {host}/{namespace}/{model}[:{tag}]
        (registry.ollama.ai/library/gemma4:e4b; fullmatch; since 1.18): read as
        ollama://{namespace}/{model}[:{tag}] (group 1). Every one has a "." (its host)."""
        routes = _alternatives(self.route_prefixes + self.gateway_prefixes)
        return rf"(?:(?:{routes})/)?(?:{_alternatives(self.ollama_hosts)})/([^/\\]+/[^/\\]+)"

    @property
    def ollama_host_starts(self) -> tuple[int, ...]:
        """The first characters (code points, both cases) ``ollama_host_path`` may start with:
        the SQL's gate before its regex."""
        words = self.route_prefixes + self.gateway_prefixes + self.ollama_hosts
        return tuple(sorted({ord(c) for w in words for c in (w[0].lower(), w[0].upper())}))

    @property
    def ollama_ref(self) -> str:
        """ollama://{namespace}/{model}[:{tag}] (fullmatch; since 1.17): groups 1 and 2 are the
        namespace and the model."""
        return rf"{ci('ollama')}://({self.hub_name})/({self.hub_name})(:{self.hub_name})?"

    @property
    def uri_query(self) -> str:
        """A URI with a query string or a fragment (match at the start; group 1 is the URI
        without them): s3://{bucket}/{key}?versionId=3, a signed URL's ?X-Amz-Signature=...."""
        return rf"(({_alternatives(self.location_schemes)})://[^?#]*)[?#]"

    @property
    def ollama_manifest(self) -> str:
        """The four segments below Ollama's manifests folder, {host}/{namespace}/{model}/{tag}
        (fullmatch on them joined by /; groups 1 to 4)."""
        part = f"({self.hub_name})"
        return "/".join([part] * 4)

    @property
    def hub_ref(self) -> str:
        """{org}/{repo}:{rest} (fullmatch; groups 1 to 3; since 1.16): text-generation-webui's
        download of a branch, turboderp/Mixtral-8x7B-exl2:5.0bpw, and Lemonade's checkpoint of a
        file, unsloth/gpt-oss-20b-GGUF:gpt-oss-20b-Q4_K_M.gguf. A self-hosted value of this
        shape is a relative path, named org/repo, when org and repo are hub layout parts and
        rest is a weights file or a variant folder (a tag such as :Q4_K_M names the model: kept)."""
        return r"([^/\\:]+)/([^/\\:]+):([^/\\]+)"

    @property
    def hub_name(self) -> str:
        """An org or name in a hub layout (fullmatch)."""
        return "[A-Za-z0-9][A-Za-z0-9._-]*"

    @property
    def visible_char(self) -> str:
        """One visible character that is not a path separator (a bracket expression)."""
        escaped = "".join(f"\\u{ord(c):04x}" for c in self.invisible)
        return rf"[^/\\ \t\n\r\f\v{escaped}]"

    @property
    def three_segments(self) -> str:
        """Three or more path segments that each have a visible character (search)."""
        v = self.visible_char
        return rf"{v}.*[/\\].*{v}.*[/\\].*{v}"

    # ---- word sets -----------------------------------------------------------------------------
    @property
    def containers(self) -> tuple[str, ...]:
        """The folders that end rule 3's walk (with mkdtemp's): the generic containers, and
        LiteLLM's routes anywhere but at the start of a short value."""
        return tuple(dict.fromkeys(self.generic_containers + self.route_prefixes))

    @property
    def first_segment_words(self) -> tuple[str, ...]:
        """A relative path whose first segment is one of these (or a step/digest/temp folder)
        is a path: containers (LiteLLM's routes among them) and artifact folders."""
        return tuple(
            dict.fromkeys(self.generic_containers + self.artifact_folders + self.route_prefixes)
        )


def _invisible(ranges: list[list[int]]) -> str:
    return "".join(chr(code) for low, high in ranges for code in range(low, high + 1))


def _words(data: dict[str, Any], key: str) -> tuple[str, ...]:
    words = tuple(str(word) for word in data[key])
    if any(word != word.lower() for word in words):
        raise ValueError(f"sql/rules.toml: {key} must be written in lower case")
    return words


@cache
def rule_source() -> RuleSource:
    data = tomllib.loads(_rules_file().read_text(encoding="utf-8"))
    return RuleSource(
        version=str(data["version"]),
        max_length=int(data["max_length"]),
        whitespace=str(data["whitespace"]),
        invisible=_invisible(data["invisible_ranges"]),
        self_hosted_providers=_words(data, "self_hosted_providers"),
        location_schemes=_words(data, "location_schemes"),
        weights_extensions=_words(data, "weights_extensions"),
        generic_weights=_words(data, "generic_weights"),
        step_prefixes=_words(data, "step_prefixes"),
        artifact_folders=_words(data, "artifact_folders"),
        artifact_words=_words(data, "artifact_words"),
        kaggle_frameworks=_words(data, "kaggle_frameworks"),
        generic_containers=_words(data, "generic_containers"),
        step_containers=_words(data, "step_containers"),
        volume_schemes=_words(data, "volume_schemes"),
        host_schemes=_words(data, "host_schemes"),
        image_schemes=_words(data, "image_schemes"),
        route_prefixes=_words(data, "route_prefixes"),
        gateway_prefixes=_words(data, "gateway_prefixes"),
        hub_layout_containers=_words(data, "hub_layout_containers"),
        ollama_manifests_folder=str(data["ollama_manifests_folder"]),
        ollama_default_host=str(data["ollama_default_host"]),
        ollama_default_namespace=str(data["ollama_default_namespace"]),
        hub_url_hosts=_words(data, "hub_url_hosts"),
        modelscope_url_hosts=_words(data, "modelscope_url_hosts"),
        ollama_hosts=_words(data, "ollama_hosts"),
        hub_schemes=_words(data, "hub_schemes"),
        short_hub_schemes=_words(data, "short_hub_schemes"),
        snapshots_folder=str(data["snapshots_folder"]),
        unusable_base_models=_words(data, "unusable_base_models"),
        fallback_model_id=str(data["fallback_model_id"]),
    )
