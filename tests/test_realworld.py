"""Real strings people passed as a model to vLLM, SGLang, llama.cpp, Ollama, LM Studio, … (quoted
from public issues, with their sources) through the SQL rules, the trigger and the Python twin:
the corpus (../shared) and the strings collected to check 1.13 and 1.14
(tests/data/realworld-checked.json).

Every `clear` entry must give its expected id (or the also-acceptable one), but for the checked
set's known misses, which must still miss (so the list says what the rules do); `debatable`
entries must reach 90% (the corpus) or 80% (the checked set), and the ones that differ are
printed. The rules are written as rules, never as a lookup of these files: more strings like
these are used to check them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from corpus import CHECKED, CORPUS, acceptable
from llm_model_ids.rules import normalize, normalize_row
from rows import Conn, sql_normalize


@pytest.fixture(scope="module")
def corpus_conn(shared_db: str) -> Iterator[Conn]:
    """One installed database for the module: every write here is rolled back."""
    with psycopg.connect(shared_db, autocommit=True) as conn:
        yield conn


def _trigger(conn: Conn, entry: dict[str, Any]) -> dict[str, Any]:
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "insert into public.llm_models (id, model_id, base_model, name, provider)"
            " values (%s, %s, %s, '', %s) returning model_id, metadata",
            [uuid.uuid4(), entry["string"], entry["base_model"], entry["provider"]],
        ).fetchone()
    assert row is not None
    return row


# The checked set's clear entries the rules do not name as expected (CHANGELOG 1.14.0 to 1.18.0,
# "Not changed"): string -> why.
KNOWN_MISSES = {
    "${model}/tmp-checkpoint-${step}/pytorch_model.bin": "a variable inside a segment",
    # collected for 1.14
    "models--Qwen--Qwen2.5-VL-3B-Instruct": (
        "a bare cache folder name is readable: no separator, and the WHEN guard admits no short one"
    ),
    "/root/gemma-2b-S16971.easy": "EasyLM's .easy is no weights extension of a serving engine",
    "params::OLMo-7B-eazylm": "EasyLM's params:: prefix is not parsed",
    "params::/checkpoint/xinleic/tune/EasyLM/my_models/open_llama_3b_v2_easylm/"
    "open_llama_3b_v2_easylm": "EasyLM's params:: prefix is not parsed",
    "params::gs://hxtpu_bucket/llama2_7b_easylm": "EasyLM's params:: prefix is not parsed",
    "params::gs://data-selection-bucket/easylm/Llama-2-7b-hf": (
        "EasyLM's params:: prefix is not parsed"
    ),
    "/workspace/results/models/IWS-llama31/IWS-llama31-int4_awq": (
        "a model folder inside a folder of the same stem reads as a hub layout's org/name"
    ),
    # collected for 1.15: Ollama's names of models pulled from a hub, {host}/{org}/{repo}[:{tag}],
    # are readable and kept as written (Ollama's API calls the model by that name)
    **dict.fromkeys(
        [
            "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF",
            "hf.co/JetBrains/Mellum2-12B-A2.5B-Instruct-GGUF-Q4_K_M",
            "hf.co/unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF:latest",
            "huggingface.co/unsloth/QwQ-32B-GGUF",
            "huggingface.co/mmnga/HODACHI-EZO-Common-9B-gemma-2-it-gguf:latest",
            "huggingface.co/TheBloke/orca_mini_3B-GGML",
            "modelscope.cn/unsloth/Qwen3-VL-8B-Instruct-GGUF",
        ],
        "Ollama's own name for a model from a registry: readable, kept as written",
    ),
    "C:\\Temp\\parakeet-tdt-0.6b-v3\\encoder.int8.onnx": (
        "a component file of a speech model (encoder.int8.onnx) is named like a weights file"
    ),
    ".\\jinaai/jina-embeddings-v5-text-small": (
        "a ./ relative org/name is no hub layout: no container above the org"
    ),
    # rule 1: the row's base model comes first, where the collector expected the folder's name
    "/runpod-volume/Wan2.1-I2V-14B-480P": "rule 1: the base model Wan-AI/Wan2.1-I2V-14B-480P",
    "/workspace/models/Qwen2.5-7B-Instruct": "rule 1: the base model Qwen/Qwen2.5-7B-Instruct",
    # collected for 1.16 (local apps, embedding and speech models, CJK platforms, edge runtimes,
    # quantization outputs): rule 1, a quantized or converted copy named after its base model
    **dict.fromkeys(
        [
            "/Users/user1/model/codeqwen-1_5-7b-chat-q4_k_m.gguf",
            "/workspace/models/internlm2_5-20b-chat-q4f32_1-MLC",
            "/home/.../embeddinggemma-300m",
            "/tmp/fastembed_cache/models--qdrant--bge-small-en-v1.5-onnx-q/snapshots/main/",
            "./models/Dmeta-embedding-zh/Dmeta-embedding-zh.gguf",
            "/mnt/datawow/kw/ft_med/model/Meta-Llama-3.1-8B",
            "./gemma_2b_it",
            "/root/DeepSeek-R1-Distill-Llama-70B-int4-ov",
            "/Models/gpt-oss-20b-int4",
            "llava-1.5-7b-hf/INT4/openvino_tokenizer.xml",
            "./qwen3.5-0.8b-ov",
            "/data/models/mlc/dist/models/Llama-2-7b-chat-hf",
            "./mistral-instruct-v0.2-awq-marlin",
            "../llm_ptq/llama3.2-3b/",
            "./model/llama-3.2-3b-mlx",
            "./Qwen3-4B-Thinking-2507-8bit",
            "./llam-3.1-8b-ov",
            "./Llama-2-7b-chat-hf_awq_q4/",
            "./tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
            "/your/path/phase3-merged/Phase3-Merged-31B-BF16.gguf",
            "/media/storage/models/Llama-2-13b-chat-E8P-2Bit",
        ],
        "rule 1: the row's base model comes first, where the collector expected the path's name",
    ),
    **dict.fromkeys(
        [
            "hf.co/mradermacher/gte-large-GGUF",
            "hf.co/CompendiumLabs/bge-base-en-v1.5-gguf",
            "hf.co/mmnga/cyberagent-DeepSeek-R1-Distill-Qwen-14B-Japanese-gguf",
            "EEVE-Korean-10.8B:latest",
            "ollama/hf.co/elyza/Llama-3-ELYZA-JP-8B-GGUF",
        ],
        "Ollama's own name for a model (host and tag included): readable, kept as written",
    ),
    **dict.fromkeys(
        [
            "models--guillaumekln--faster-whisper-large-v2\\refs\\main\\model.bin",
            "open_clip_hf:timm/PE-Core-bigG-14-448",
            "实验/qwen-asr/缓存/模型/Qwen3-ASR-0.6B",
        ],
        "a relative value of a provider that is no self-hosted engine: kept as written",
    ),
    "../vendor/llama.cpp/models/Llama-2-7b-chat-hf/model-quantized-q4_K_M.gguf": (
        "model-quantized-{type} is no converted file's name (model-{type} is)"
    ),
    '"./Hermes-2-Pro-Mistral-7B.Q8_0.gguf"': "a value in quotes is not a path",
    "models\\meta\\llama\\codellama-7b-instruct.Q8_0.gguf": (
        "models/{org}/{repo}/{file} is LM Studio's hub layout"
    ),
    "c:\\Users\\dcost\\.aitk\\models\\DeepSeek\\"
    "deepseek-r1-distill-qwen-7b-cuda-int4-awq-block-128-acc-level-4": (
        "models/{publisher}/{model} is read as a hub layout"
    ),
    "../MiniCPM-V-2_6/model/ggml-model-Q4_K_M.gguf": (
        "a converted file below a model folder: model is a container, so the file names itself"
    ),
    **dict.fromkeys(
        [
            "/root/autodl-tmp/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
            "/root/autodl-tmp/BAAI/bge-base-zh-v1.5",
        ],
        "{org}/{name} below a data disk, with no hub layout container: the name alone",
    ),
    "microsoft/Phi-3-mini-4k-instruct-onnx/directml/directml-int4-awq-block-128/model.onnx": (
        "a relative {org}/{repo} is a hub id only with nothing or one weights file after it"
    ),
    "genai_models/phi2-int4-cpu": "org/name stays readable",
    "MiniCPM3-4B-ov/openvino_model.xml": (
        "two segments make a relative path by a weights extension, not by a generic file"
    ),
    "/data/models/mlc/dist/<model-name>": "a <placeholder> is not read as a variable",
    "/phone-llm-model/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/onnx/model_q4f16.onnx": (
        "a Hub URL's path without its host is not read as a Hub URL"
    ),
    "vllm_qmodel_2/DeepSeek-V2-Lite-Chat-nvfp-w4g16/": (
        "a relative {org}/{name}/ is a hub id, as a download's --local-dir writes it"
    ),
    "/content/quantized_model/q4_k_m.gguf": (
        "a converted file names the folder it is in, here quantized_model"
    ),
    # collected for 1.17 (LoRA adapters, gateways, cloud deployments, RL and evaluation runs,
    # diffusion and speech models)
    **dict.fromkeys(
        [
            "/path/to/local/starcoder/model",
            "gs://vertex-model-garden-public-us/llama3/llama3-8b-hf",
            "gs://your-model-bucket/raw-models/my-security-advisor/<run-id>",
            "/models/InternVL3_5-8B-HF",
            "/path/to/Qwen2-VL-2B-Instruct/model-dir",
            "/data/ollama/models/blobs/sha256-6b0c74962c44bc6bf4b655b9b02c13eda9d5a0491543ae976d1ac18e4b7892e2",
            "~/ComfyUI/models/vibevoice/VibeVoice-1.5B/",
            "./Kokoro-82M-v1.0-ONNX",
            "./bge-reranker-v2-gemma-seq-cls",
        ],
        "rule 1: the row's base model comes first, where the collector expected the path's name",
    ),
    **dict.fromkeys(
        [
            "openai/openai/gpt-oss-20b",
            "openai/moonshotai/Kimi-K2.5-TEE",
            "openai:/gpt-4o-mini",
            "databricks:/dbrx",
            "bedrock/arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/"
            "abcdef123456",
            "bedrock/arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xxxxxxxxxxxxx",
            "ep-20230223144732-15lrl",
            "meta/llama-2-70b-chat:"
            "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3",
            "runs:/4fcaf4f082704472860351ac2e763ebb/model",
            "adapter-repo/1",
        ],
        "a hosted provider's or a registry's id (no location): kept as written",
    ),
    **dict.fromkeys(
        [
            "ollama_chat/hf.co/GnLOLot/MiniCPM5-1B-Claude-Opus-Fable5-V2-Thinking-GGUF:latest",
            "ollama/hf.co/saketlab/seqoutlm-1B-GGUF",
        ],
        "Ollama's own name for a registry's model: readable, named without the route in front",
    ),
    "Loaded from Chat UI": "a readable value with no separator is kept as written",
    "predibase/dbpedia@rev2": "org/name@revision with no scheme stays readable",
    **dict.fromkeys(
        [
            '{"name":"adapter", "path":"/mnt/large_models/test-finetuned-model/"}',
            '{"lora_name":"lora1","lora_path":"algoprog/fact-generation-llama-3.1-8b-instruct-lora"}',
            "lora0=algoprog/fact-generation-llama-3.1-8b-instruct-lora",
            "s3:s3://adapters/gsm8k",
            "fuse:/content/drive/MyDrive/sd/stable-diffusion-webui/models/Lora",
        ],
        "a server's argument (name=path, JSON, {source}:{uri}) is no location: kept as written",
    ),
    **dict.fromkeys(
        [
            "/home/ray/.cache/vllm/assets/model_streamer/<hash>",
            "hf://bigscience/bloom-560m:<hash>",
            "gs://path/to/model/files",
            "gs://pantheon-tpu-training/kisoku-proper-sft/checkpoints/XXXXX",
        ],
        "a placeholder (<hash>, files, XXXXX) is read as a name",
    ),
    "gs://kfserving-examples/adapters/huggingface": (
        "a bucket names the model when the folders below it are artifact folders"
    ),
    **dict.fromkeys(
        [
            "s3://aibricks-model-artifacts/models/linhui_tmp/gpt-neo-125m/",
            "K:\\AI\\comfylAI\\ComfyUI_windows_portable\\ComfyUI\\models\\auffusion\\"
            "auffusion-full-no-adapter",
        ],
        "models/{folder}/{name} is read as a hub layout's org/name",
    ),
    "/home/adapters/adapter-1-lora": "adapter-{N}-lora is read as an artifact folder",
    **dict.fromkeys(
        [
            "https://replicate.com/lucataco/phi-3-mini-128k-instruct/versions/"
            "45ba1bd0a3cf3d5254becd00d937c4ba0c01b13fa1830818f483a76aa844205e",
            "https://model.lmstudio.ai/download/noctrex/"
            "Huihui-Qwen3-VL-8B-Instruct-abliterated-GGUF",
        ],
        "a URL whose host is no hub's is named from its path's last folder",
    ),
    "F:\\PythonProject3\\ComfyUI\\custom_nodes\\CosyVoice2_ComfyUI\\pretrained_models\\"
    "CosyVoice2-0.5B/cosyvoice.yaml": (
        "a file that is no weights file and no generic file names itself"
    ),
    # collected for 1.18 (training frameworks' checkpoints, ML platforms, apps' model fields,
    # cluster serving stacks)
    **dict.fromkeys(
        [
            "/models/llama70b/llama70b.nemo",
            "/path/to/gemma2-9b.nemo",
            "out/custom-model/final",
            "/dbfs/FileStore/descriptions_gold/",
            "/Volumes/<catalog>/<schema>/<volume>/longformer-imdb-lora",
            "codellama-7b-instruct.Q4_K_M.gguf",
            "/data/models/gemma-3-27b-v",
            "/data/models/qwen3-next-80b",
            "/data/models/glm-47-flash",
            "pvc://s3-data/llama-31-8b-instruct",
            "hf://myorg/qwen-multilingual-lora@v1.0.0",
            "oci://quay.io/modh/granite-3.1-8b-instruct:latest",
            "s3://my-models/llama-3-70b/",
        ],
        "rule 1: the row's base model comes first, where the collector expected the path's name",
    ),
    **dict.fromkeys(
        [
            "/data/finetuned-models/mistral-7b-instruct-dolly/default/2025-09-18_17-46-27/"
            "checkpoints/model_name=0--val_loss=1.44-step=49-consumed_samples=800.0-last",
            "gs://inference-benchmarks/models/llama2-70b-chat/2024-05-08-23-16/"
            "param-only-decode-ckpt-maxtext/checkpoints/0/items",
            "gs://shuningjin-multipod-dev/gpt-oss-20b/unscan-bf16-v2-2025-09-02-01-16-00/0/items",
            "../checkpoints/rope_v4_topk4_svd_method7_rank8/18000_hf",
            "/home/work/data/runs/lisa_7b_sam_finetune/ckpt_model_last/global_step12230/"
            "mp_rank_00_model_states.pt",
            "/mnt/models/Llama2/Llama-2-70b-chat-hf/repo",
        ],
        "a run's or a tool's own folder below the model's (default, repo, a run's name) names it",
    ),
    **dict.fromkeys(
        [
            "s3://nv-00-10206-checkpoint-experiments/cosmos3_vfm/cosmos3_vfm_ablations/"
            "cosmos3_ga_16bm8b_v1_image_only_json_prompts_resume1/checkpoints/iter_000100000/"
            "model/",
            "/dbfs/Users/YOUR_USER/bitcoin_tweets/model",
        ],
        "a last folder model/ is a container (SageMaker's /opt/ml/model): the path names nothing",
    ),
    "OLMo-150M-as_fm3_tg_omi2/latest-unsharded": (
        "two segments whose last is an artifact folder are no relative path: kept as written"
    ),
    "../nanotron/checkpoints/10/config.yaml": (
        "the folder above a run's checkpoints names the run, here a framework's own folder"
    ),
    **dict.fromkeys(
        [
            "/mnt/azureml/cr/j/2bd79af779d645b7addc08785fd5204a/cap/data-capability/wd/"
            "INPUT_model_dir",
            "/var/azureml-app/azureml-models/81b3c48bbf62360c7edbbe9b280b9025/1",
            "https://github.com/tduffy000/kfserving-uri-examples/blob/master/sklearn/frozen/"
            "model.joblib?raw=true",
            "https://modelstoreaccount.blob.core.windows.net/model-store/model.joblib",
            "s3://ml-models-bucket/triton-models",
        ],
        "a folder with no model's name (an input binding, a 32-hex id, a store) is read as a name",
    ),
    "/storage/models/vllm/default": "models/{folder}/{name} is read as a hub layout's org/name",
    "projects/YOUR_PROJECT/locations/us-central1/endpoints/YOUR_ENDPOINT_ID": (
        "a hosted provider's or a registry's id (no location): kept as written"
    ),
    "vendor://nvidia/models/llama-70b-tensorrt": "a scheme the rules do not know is no location",
    "hf.co/PaddlePaddle/PaddleOCR-VL-1.6-GGUF": (
        "Ollama's own name for a model from a registry: readable, kept as written"
    ),
    "lora_adapters/v7_mac_300h_epoch1/checkpoint-1000": (
        "a relative value of a provider that is no self-hosted engine: kept as written"
    ),
}
SETS = {"corpus": (CORPUS, 0.9), "checked": (CHECKED, 0.8)}
ENTRIES = [(name, e) for name, (entries, _) in SETS.items() for e in entries]


def test_the_sets_are_not_empty_and_do_not_overlap() -> None:
    assert len(CORPUS) >= 100 and len(CHECKED) >= 400
    for entries, _ in SETS.values():
        assert {e["confidence"] for e in entries} == {"clear", "debatable"}
    assert not {e["string"] for e in CORPUS} & {e["string"] for e in CHECKED}
    assert set(KNOWN_MISSES) <= {e["string"] for e in CHECKED if e["confidence"] == "clear"}


@pytest.mark.parametrize("name", SETS)
def test_sql_python_and_trigger_agree_on_every_entry(corpus_conn: Conn, name: str) -> None:
    for entry in SETS[name][0]:
        args = (entry["string"], entry["base_model"], None, entry["provider"])
        python = normalize(*args)
        expected = (python.model_id, python.rule, python.kind)
        assert sql_normalize(corpus_conn, *args) == expected, entry
        stored = _trigger(corpus_conn, entry)
        twin = normalize_row(
            {
                "model_id": entry["string"],
                "base_model": entry["base_model"],
                "name": "",
                "provider": entry["provider"],
                "metadata": {},
            }
        )
        assert (stored["model_id"], stored["metadata"]) == (twin["model_id"], twin["metadata"])


@pytest.mark.parametrize(
    ("name", "entry"),
    [(n, e) for n, e in ENTRIES if e["confidence"] == "clear"],
    ids=lambda v: v if isinstance(v, str) else f"{v['provider']}:{v['string'][:60]}",
)
def test_clear_entries_give_the_expected_id(
    corpus_conn: Conn, name: str, entry: dict[str, Any]
) -> None:
    model_id, rule, _ = sql_normalize(
        corpus_conn, entry["string"], entry["base_model"], None, entry["provider"]
    )
    wanted = not (name == "checked" and entry["string"] in KNOWN_MISSES)
    assert acceptable(entry, model_id, rule) is wanted, (
        model_id,
        rule,
        entry["expected"],
        entry["source"],
    )


@pytest.mark.parametrize("name", SETS)
def test_debatable_entries_reach_their_share(corpus_conn: Conn, name: str) -> None:
    entries, share = SETS[name]
    debatable = [e for e in entries if e["confidence"] == "debatable"]
    differ = []
    for entry in debatable:
        model_id, rule, _ = sql_normalize(
            corpus_conn, entry["string"], entry["base_model"], None, entry["provider"]
        )
        if not acceptable(entry, model_id, rule):
            differ.append(
                f"{entry['string']!r} ({entry['provider']}): {model_id!r} [{rule}],"
                f" expected {entry['expected']!r} or {entry['also_acceptable']!r}"
            )
    print(f"\n{name}, debatable: {len(debatable) - len(differ)}/{len(debatable)} as expected")
    for line in differ:
        print("  differs:", line)
    assert len(differ) <= len(debatable) * (1 - share), differ


@pytest.mark.parametrize("name", SETS)
def test_a_rewritten_entry_keeps_its_load_path(corpus_conn: Conn, name: str) -> None:
    for entry in SETS[name][0]:
        stored = _trigger(corpus_conn, entry)
        if stored["model_id"] != entry["string"]:
            metadata = stored["metadata"]
            kept = metadata.get("model_path") or metadata.get("original_model_id")
            assert kept is not None and kept.strip() == entry["string"].strip(), entry
