"""Hypothesis: generated paths, ids and metadata give the same result in SQL and in Python,
both for the rules (llm_model_ids.normalize) and for what the trigger stores."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from llm_model_ids.rules import (
    MetadataError,
    is_location,
    is_opaque,
    is_readable,
    normalize,
    normalize_row,
    trim_ws,
)
from rows import sql_normalize

text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
)
UUID = "cb10bbcb-2725-49ce-9586-a9baf57de3a4"
interesting_segments = st.sampled_from(
    [
        "checkpoint-100",
        "CKPT_3",
        "global_step7",
        "step-1",
        "epoch_2",
        "merged",
        "Final",
        "lora",
        "snapshots",
        "adapter_model.safetensors",
        "model.safetensors",
        "llama.gguf",
        "x.PT",
        "models",
        "Logs",
        "trainer_output",
        f"job_{UUID}",
        f"RUN-{UUID.upper()}",
        "123",
        "a" * 40,
        "models--Qwen--Qwen2.5-0.5B",
        "models--gpt2",
        "models--",
        "models--1",
        "my-model",
        " sp ace ",
        ".",
        "..",
        "~",
        "C:",
        "s3:",
        "",
        "юникод",
        "a'b;$$",
        "\\",
        "--",
        # rules v2: step folders with suffixes, new artifact folders and containers, digests,
        # generic weights files, shards, ModelScope, hosts, invisible and adversarial names
        "checkpoint-505-merged",
        "ITER_0001000",
        "merged_16bit",
        "actor",
        "HuggingFace",
        "hf_model",
        "sha256-" + "ab" * 32,
        "sha256:" + "0" * 40,
        "tmppw40uj6v",
        "tmp_12345678",
        "workspace",
        ".cache",
        "hub",
        "Hub",
        "blobs",
        # 1.12: ms-swift's run folders, ModelScope's snapshot cache, more artifact folders
        "v0-20240418-184829",
        "V12-20250101-000000",
        "v0-2024-04-18",
        "Qwen--Qwen3-4B",
        "a--b--c",
        "org--",
        "Snapshots",
        "master",
        "HF",
        "sft",
        "full",
        "qlora-out",
        "checkpoint_best",
        "merge",
        "modelscope",
        "Qwen1___5-7B",
        # 1.13: version and variant folders, Kaggle's frameworks, artifact folders of several
        # words, LLaMA-Factory's web UI runs, more artifact folders and weights files
        "1",
        "007",
        "123",
        "1234",
        "1-gpu",
        "2-GPUS",
        "6.0bpw",
        "8.0bpw_h8",
        "4bpw",
        "gptq-4bit-32g-actorder_True",
        "AWQ-4bits",
        "gptq_8bit",
        "gptq-x",
        "original",
        "FP16",
        "trt_engines",
        "hf_global_step_140",
        "actor_hf",
        "qlora_adapter_epoch0",
        "merge-6000",
        "global_step_${step}",
        "model_{x}",
        "model1",
        "hf_",
        "HuggingFace_Model",
        "lora-qwen7b",
        "train_2024-07-02-15-10-29",
        "train_2024",
        "transformers",
        "Keras",
        "default",
        "model_scope",
        "MyDrive",
        "tensorrt_llm",
        "mp_rank_00",
        "mp_rank_00_001",
        "model_optim_rng.pt",
        "mp_rank_00_model_states.pt",
        "bf16_zero_pp_rank_0_mp_rank_00_optim_states.pt",
        "model_fp16.bin",
        "release",
        "mlx",
        "LLM",
        "path",
        "to",
        "step3",
        "checkpoint-1311",
        "global_step100",
        "x.llamafile",
        "a.NEMO",
        "model-00001-of-00004.safetensors",
        "consolidated.00.pth",
        "x-00001-of-00002.gguf",
        "model.file",
        "\u200b",
        "\u00a0",
        " \ufeff ",
        "hf.co",
        "registry.ollama.ai",
        "a:b",
        "$HOME",
        "${HF_HOME}",
        "%APPDATA%",
        "Org",
        "Qwen2.5-7B-Instruct",
        # 1.14: registry versions, date folders, a run's checkpoints folder, more weights files,
        # artifact folders and words, image tags, ModelScope's ___ in names
        "v1",
        "V12",
        "v1234",
        "v1.5",
        "20261002-0859",
        "2024-10-02",
        "08-59-12",
        "1.5",
        "checkpoints",
        "Ckpts",
        "ggml-model.bin",
        "ggml-model-q4_0.gguf",
        "lit_model_lora_finetuned.pth",
        "hf_model_0001_0.pt",
        "adapter_0.pt",
        "Meta_Model_12.bin",
        "adapter_v2.pt",
        "lora_single_device",
        "full_finetune_distributed",
        "base_model",
        "dcp",
        "x:latest",
        "x@sha256:ab",
        "Qwen2___5-7B",
        "pvc:",
        "oci:",
        "hosted_vllm",
        "weights",
        # 1.15: query strings, fragments and revisions, Ollama's manifests folder
        "manifests",
        "Manifests",
        "?versionId=3",
        "x?a=b#c",
        "#frag",
        "n@main",
        "@v1",
        "main",
        "Master",
        "x.ckpt",
        "model.CKPT",
        "y.litertlm",
        # 1.16: ModelScope's version dots, converted files, a model folder's files, variants,
        # ONNX Runtime GenAI's and OpenVINO's folders, edge runtimes' files, AutoDL's disks
        "Qwen2___5-0___5B",
        "a___1",
        "1___b",
        "7___",
        "3____4",
        "ggml-model-Q4_K_M.gguf",
        "ggml-model-IQ2_XXS.bin",
        "model_q8_0.gguf",
        "Q4_K_M.gguf",
        "f16.gguf",
        "ggml-model-q4_0-v2.gguf",
        "config.json",
        "Tokenizer.model",
        "params",
        "params.json",
        "open_clip_model.safetensors",
        "openvino_model.xml",
        "model_q4f16.onnx",
        "4bit-128g.safetensors",
        "8bits",
        "4bit-",
        "cpu_and_mobile",
        "cpu-int4-rtn-block-32-acc-level-4",
        "CUDA-fp16",
        "cuda",
        "directml-int4-awq-block-128",
        "INT4_compressed_weights",
        "genie_bundle",
        "x.pte",
        "y.Task",
        "z.mlpackage",
        "w.mlmodelc",
        "v.wasm",
        "autodl-tmp",
        "AutoDL-FS",
        "hf:",
        "hf-hub:x",
        "o/n:5.0bpw",
        "r:x.gguf",
        # 1.17: AReaL's step folders, generic files and folders of adapters, RL runs, diffusers
        "epoch1epochstep15globalstep15",
        "EPOCH4EPOCHSTEP1GLOBALSTEP5422",
        "epoch1epochstep1",
        "epoch1epochstep1globalstep2-x",
        "trial0",
        "default",
        "ggml-adapter-model.bin",
        "diffusion_pytorch_model-00001-of-00009.safetensors",
        "pytorch_lora_weights.safetensors",
        "mmproj-model-f16.gguf",
        "mmproj-x-f16.gguf",
        "policy",
        "consolidated",
        "transformer",
        "Text_Encoder_2",
        "Downloads",
        "hf.co",
        "Ollama.com",
        "openai",
        "VLLM",
        # 1.18: metrics folders and files, Composer's, FSDP's and Orbax's folders, step numbers,
        # versions with dots, NeMo's names, more artifact folders
        "epoch=2-step=1000.ckpt",
        "Epoch=0-Step=100-v1",
        "evo2--val_loss=1.4537-epoch=0-consumed_samples=100.0-last",
        "model_name=0--val_loss=1.44-step=49",
        "lr=1e-4_bs=32",
        "a=b",
        "=",
        "ep0-ba1000-rank0.pt",
        "EP1-BA367",
        "ep1-ba",
        "latest-rank0.pt",
        "latest-unsharded",
        "pytorch_model_fsdp_0",
        "pytorch_model_fsdp_x",
        "items",
        "unscanned_checkpoint",
        "14499",
        "0123456789012",
        "v1.2",
        "V2.1.0",
        "v20260301",
        "2.5",
        "1.",
        "v.1",
        "megatron_gpt_sft.nemo",
        "mcore_gpt",
        "last.nemo",
        "nemo_experiments",
        "finetune",
        "current",
        "_actor",
        "quant",
        "checkpoints",
        "CKPTS",
        "registry.ollama.ai",
        "www.ollama.com",
    ]
)
segment = st.one_of(interesting_segments, text)
# An org or a name in a hub layout (or an adversarial segment in its place)
hub_part = st.one_of(
    interesting_segments, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True)
)
prefix = st.sampled_from(
    [
        "/",
        "~/",
        "./",
        "../",
        "C:\\",
        "c:/",
        "\\\\host\\",
        "s3://",
        "HF://",
        "https://huggingface.co/",
        "https://HUGGINGFACE.CO/",
        "file:///",
        "gs://",
        "abfss://",
        "http://",
        " /",
        "\t~",
        "",
        "org/",
        "$HOME/",
        "${HF_HOME}\\",
        "%USERPROFILE%\\",
        ".\\",
        "..\\",
        "~\\",
        "huggingface://",
        "HuggingFace://",
        "models/",
        "saves/",
        "checkpoint-3/",
        "hf.co/",
        "a/b/",
        "/models/",
        "/x/.lmstudio/models/",
        "/root/.cache/modelscope/hub/",
        "s3://models/",
        "\u200b/",
        # 1.14: a volume's claim, image references, RamaLama's transports
        "pvc://",
        "PVC://claim/",
        "pvc://c\\",
        "oci://",
        "oci://quay.io/",
        "Docker://r:5000/",
        "ollama://",
        "ms://",
        "modelscope://",
        "rlcr://",
        "/a/pvc://",
        "/x/OCI://r/",
        "hosted_vllm/",
        "LM_Studio\\",
        "ollama_chat/ ",
        # 1.15: hub URL hosts and mirrors, ModelScope's pages, a revision, query strings,
        # Ollama's store
        "https://hf-mirror.com/",
        "HTTP://hf.co/",
        "https://www.huggingface.co/o/",
        "https://www.modelscope.cn/models/",
        "HTTPS://ModelScope.AI/Models/",
        "https://modelscope.cn/",
        "hf://o/n@",
        "s3://b/k?",
        "gs://b#",
        "/x/manifests/registry.ollama.ai/library/",
        "manifests/hf.co/",
        "/m/manifests/",
        "oss://b.oss-cn-hangzhou.aliyuncs.com/",
        "OBS://",
        "https://h.example:8080/",
        # 1.16: short hub URIs, the Hub's API, text-generation-webui's and Lemonade's refs
        "hf:",
        "HF:o/",
        "hf-hub:",
        "Hf-Hub:timm/",
        "hf:/",
        "hfx:",
        "https://huggingface.co/api/models/",
        "https://hf.co/API/Models/o/",
        "o/n:",
        "TheBloke/x-GPTQ:",
        "/root/autodl-tmp/",
        # 1.17: routes before Ollama's registry names, gateways, Ollama's pages, hub pages, URIs
        "ollama_chat/hf.co/",
        "OLLAMA/HF.CO/o/",
        "hosted_vllm/registry.ollama.ai/",
        "litellm_proxy/modelscope.cn/",
        "openai/",
        "VLLM/",
        "openrouter/o/",
        "https://ollama.com/",
        "HTTP://Registry.Ollama.AI/library/",
        "https://www.ollama.com/o/",
        "ollama://library/",
        "OLLAMA://o/",
        "https://huggingface.co/datasets/",
        "https://hf.co/Spaces/o/",
        "hdfs://",
        "TOS://b/",
        # 1.18: Ollama's registry without a scheme, a run's checkpoints folder
        "registry.ollama.ai/",
        "Registry.Ollama.AI/library/",
        "ollama.com/o/",
        "ollama_chat/registry.ollama.ai/",
        "registry.ollama.ai.x/",
        "/srv/run/checkpoints/",
        "runs/x/CHECKPOINTS/",
    ]
)
hub_layout = st.builds(
    lambda root, org, name, tail: f"{root}{org}/{name}{tail}",
    st.sampled_from(
        [
            "/models/",
            "~/.lmstudio/models/",
            "/c/modelscope/hub/",
            "hub/",
            "models\\",
            "/g/cache/model_scope/",
            "/d/ModelScope/",
            "",
            "pvc://claim/models/",
        ]
    ),
    hub_part,
    hub_part,
    st.sampled_from(
        [
            "",
            "/",
            "/x.gguf",
            "/checkpoint-1/merged",
            "/model.safetensors",
            "\\y.bin",
            "\\",
            "/1/model.onnx",
            "/v2",
            " /3",
            "/checkpoints/checkpoint-2",
            "/1/2",
        ]
    ),
)
# ModelScope's snapshot cache (1.12): {org}--{name}/snapshots/{revision}
snapshot_cache = st.builds(
    lambda root, org, name, snapshots, tail: f"{root}{org}--{name}/{snapshots}{tail}",
    st.sampled_from(["/root/.cache/modelscope/models/", "C:\\m\\", "", "/x/models--a--b/", "~/"]),
    hub_part,
    hub_part,
    st.sampled_from(["snapshots", "Snapshots", " snapshots ", "snapshot"]),
    st.sampled_from(["", "/", "/master", "/master/x.gguf", "\\v1.0\\config.json", "/main/hf"]),
)
# Kaggle Models (1.13): {model}/{framework}/{variation}/{version}
kaggle = st.builds(
    lambda root, model, framework, variation, version, tail: (
        f"{root}{model}/{framework}/{variation}/{version}{tail}"
    ),
    st.sampled_from(["/kaggle/input/", "~/.cache/kagglehub/models/google/", "", "C:\\k\\"]),
    hub_part,
    st.sampled_from(["transformers", "PyTorch", " keras ", "gguf", "other", "torch", ""]),
    st.one_of(interesting_segments, st.sampled_from(["default", "8b-chat-hf", "2b-it"])),
    st.sampled_from(["1", "3", "12", "999", "1000", "v1", ""]),
    st.sampled_from(["", "/", "/model.safetensors", "/x.gguf", "\\checkpoint-2"]),
)
# ModelScope's downloads (1.16): {cache_dir}/{org}/{name}, a version's . written ___
modelscope_download = st.builds(
    lambda root, org, name, tail: f"{root}{org}/{name}{tail}",
    st.sampled_from(["/root/autodl-tmp/", "", "C:\\m\\", "/x/models/", "./", "/a//", "~/"]),
    hub_part,
    st.sampled_from(
        ["Qwen2___5-7B", "Meta-Llama-3___1-8B___v0___1", "x___y1___5", "a1___b", "Qwen3-0___6B"]
    ),
    st.sampled_from(["", "/", "/ggml-model-f16.gguf", "/checkpoint-1", "/config.json", "\\"]),
)
# {org}/{repo}:{branch or file or tag} (1.16: text-generation-webui, Lemonade)
hub_ref = st.builds(
    lambda org, repo, rest: f"{org}/{repo}:{rest}",
    hub_part,
    hub_part,
    st.one_of(
        interesting_segments,
        st.sampled_from(["5.0bpw", "gptq-4bit-32g-actorder_True", "Q4_K_M", "latest", "x.gguf"]),
    ),
)
# A route before Ollama's name of a registry's model, and a gateway's route before an org/name
# (1.17): {route}/{host}/{org}/{repo}[:{tag}], {route}/{org}/{name}
routed = st.builds(
    lambda route, host, org, repo, tag: f"{route}/{host}{org}/{repo}{tag}",
    st.sampled_from(["ollama_chat", "Ollama", "hosted_vllm", "openai", "vllm", "lm_studio", "x"]),
    st.sampled_from(["hf.co/", "HuggingFace.co/", "modelscope.cn/", "ollama.com/", "a.b/", ""]),
    hub_part,
    hub_part,
    st.sampled_from(["", ":Q4_K_M", ":latest", ":", "/x.gguf", "/"]),
)
# Ollama's pages and ollama:// references (1.17): ollama://{namespace}/{model}[:{tag}]; its
# registry's names without a scheme (1.18)
ollama_ref = st.builds(
    lambda scheme, namespace, model, tag: f"{scheme}{namespace}/{model}{tag}",
    st.sampled_from(
        [
            "ollama://",
            "OLLAMA://",
            "https://ollama.com/",
            "http://registry.ollama.ai/",
            "x://",
            "registry.ollama.ai/",
            "Ollama.com/",
            "www.ollama.com/",
            "hosted_vllm/registry.ollama.ai/",
            "vllm/ollama.com/",
            "registry.ollama.ai\\",
        ]
    ),
    st.sampled_from(["library", "Library", "hhao", "", "-x", "a:1"]),
    hub_part,
    st.sampled_from(["", ":8b", ":latest", ":", ":a/b", "/tags", "?x"]),
)
# Ollama's store (1.15): .../manifests/{host}/{namespace}/{model}/{tag}
ollama_manifest = st.builds(
    lambda root, host, namespace, model, tag, tail: f"{root}{host}/{namespace}/{model}/{tag}{tail}",
    st.sampled_from(
        ["/root/.ollama/models/manifests/", "manifests/", "C:\\o\\manifests\\", "/x/Manifests/", ""]
    ),
    st.sampled_from(["registry.ollama.ai", "Registry.Ollama.AI", "hf.co", "h", "a b", ""]),
    st.sampled_from(["library", "LIBRARY", "sammcj", "", "-x"]),
    hub_part,
    st.one_of(interesting_segments, st.sampled_from(["latest", "4b", "Q4_K_M", "8b-q4_0"])),
    st.sampled_from(["", "/", "?x", "/y"]),
)
path = st.builds(
    lambda p, segs, sep: p + sep.join(segs),
    prefix,
    st.lists(segment, max_size=5),
    st.sampled_from(["/", "\\"]),
)
opaque = st.one_of(
    st.builds(
        lambda u, pre, up: pre + (str(u).upper() if up else str(u)),
        st.uuids(),
        st.sampled_from(["", "job_", "job-", "run_", "RUN-", "jobs_"]),
        st.booleans(),
    ),
    st.from_regex(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9]{1,20}|[0-9a-f]{39}", fullmatch=True),
)
long_ids = st.builds(
    lambda n, tail: "/" + "a" * n + tail, st.integers(4090, 4100), st.sampled_from(["", "/m"])
)
model_ids = st.one_of(
    path,
    hub_layout,
    modelscope_download,
    hub_ref,
    routed,
    ollama_ref,
    ollama_manifest,
    snapshot_cache,
    kaggle,
    opaque,
    text,
    long_ids,
    st.sampled_from(["~", "  ~ ", "", "unknown", "\u200b", "x.gguf", "latest", "checkpoint-9"]),
)
base_models = st.one_of(
    st.none(),
    path,
    hub_layout,
    modelscope_download,
    hub_ref,
    routed,
    ollama_ref,
    ollama_manifest,
    snapshot_cache,
    kaggle,
    opaque,
    text,
    st.sampled_from(["unknown", "NONE", " null "]),
)
names = st.one_of(st.none(), text, opaque, path, st.sampled_from(["my-model.gguf", "\u2060", "n"]))
providers = st.sampled_from(
    [
        "vllm",
        " VLLM ",
        "ollama",
        "llama.cpp",
        "openai",
        "",
        "fireworks",
        "mlx-lm",
        "LlamaFactory",
        "ExLlamaV2",
        "lemonade",
        "Text-Generation-WebUI",
        "onnxruntime-genai",
        "AReaL",
        "comfyui",
        "NeMo",
        "maxtext",
        "composer",
        "litgpt",
        "nanotron",
    ]
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), text)
metadata = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["model_path", "previous_model_path", "original_model_id", "k"]),
        json_scalars,
        max_size=3,
    ),
    st.lists(json_scalars, max_size=2),
    text,
    st.integers(),
    st.booleans(),
)


@pytest.fixture(scope="module")
def twin_conn(shared_db: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(shared_db, autocommit=True) as conn:
        yield conn


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_id=model_ids, base_model=base_models, name=names, provider=providers)
def test_sql_and_python_rules_agree(
    twin_conn: psycopg.Connection[Any],
    model_id: str,
    base_model: str | None,
    name: str | None,
    provider: str,
) -> None:
    python = normalize(model_id, base_model, name, provider)
    assert sql_normalize(twin_conn, model_id, base_model, name, provider) == (
        python.model_id,
        python.rule,
        python.kind,
    )
    if python.changed:
        assert is_readable(python.model_id)
        assert not normalize(python.model_id, base_model, name, provider).changed  # idempotent


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_id=model_ids, base_model=base_models, name=names, provider=providers, meta=metadata)
def test_trigger_stores_what_the_twin_computes(
    twin_conn: psycopg.Connection[Any],
    model_id: str,
    base_model: str | None,
    name: str | None,
    provider: str,
    meta: Any,
) -> None:
    row = {
        "model_id": model_id,
        "base_model": base_model,
        "name": name or "",
        "provider": provider,
        "metadata": meta,
    }
    try:
        expected: dict[str, Any] | None = normalize_row(row)
    except MetadataError:
        expected = None
    with twin_conn.transaction(force_rollback=True), twin_conn.cursor(row_factory=dict_row) as cur:
        try:
            stored = cur.execute(
                "insert into public.llm_models (id, model_id, base_model, name, provider, metadata)"
                " values (%s, %s, %s, %s, %s, %s) returning model_id, metadata",
                [uuid.uuid4(), model_id, base_model, row["name"], provider, Jsonb(meta)],
            ).fetchone()
        except psycopg.errors.InvalidParameterValue:
            assert expected is None
            return
    assert expected is not None and stored is not None
    assert (stored["model_id"], stored["metadata"]) == (expected["model_id"], expected["metadata"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(model_ids, text))
def test_sql_and_python_classifiers_agree(twin_conn: psycopg.Connection[Any], value: str) -> None:
    """is_location / is_opaque / is_readable, which normalize's inline patterns must match."""
    row = twin_conn.execute(
        "select t, llm_model_ids.is_location(t), llm_model_ids.is_opaque(t),"
        " llm_model_ids.is_readable(t) from llm_model_ids.trim_ws(%(v)s) as t",
        {"v": value},
    ).fetchone()
    trimmed = trim_ws(value)
    assert row == (trimmed, is_location(trimmed), is_opaque(trimmed), is_readable(trimmed))
