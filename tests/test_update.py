"""UPDATE through the trigger: redeploys, updates that keep model_id, bypass, idempotence."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from rows import Conn, all_rows, insert, update


def test_redeploy_writes_the_new_path(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100", metadata={"k": 1})
    row = update(conn, row["id"], model_id="/runs/qwen-ft/checkpoint-200")
    assert row["model_id"] == "qwen-ft"
    assert row["metadata"] == {
        "k": 1,
        "model_path": "/runs/qwen-ft/checkpoint-200",
        "previous_model_path": "/runs/qwen-ft/checkpoint-100",
    }


def test_redeploy_with_new_metadata_is_handled_as_an_insert(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    row = update(conn, row["id"], model_id="/runs/qwen-ft/checkpoint-200", metadata={"v": 2})
    assert row["metadata"] == {"v": 2, "model_path": "/runs/qwen-ft/checkpoint-200"}


@pytest.mark.parametrize("new_metadata", [None, {}, {"note": "edited"}])
def test_update_not_touching_model_id_keeps_the_load_path(conn: Conn, new_metadata: object) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100", metadata={"old": True})
    row = update(conn, row["id"], metadata=new_metadata)
    expected = {**(new_metadata or {}), "model_path": "/runs/qwen-ft/checkpoint-100"}  # type: ignore[dict-item]
    assert row["metadata"] == expected
    assert row["model_id"] == "qwen-ft"


def test_update_not_touching_model_id_keeps_original_model_id(conn: Conn) -> None:
    row = insert(conn, model_id="cb10bbcb-2725-49ce-9586-a9baf57de3a4", name="n")
    row = update(conn, row["id"], metadata={"x": 1}, enabled=False)
    assert row["metadata"] == {"x": 1, "original_model_id": "cb10bbcb-2725-49ce-9586-a9baf57de3a4"}


def test_update_may_set_the_keys_explicitly(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    row = update(conn, row["id"], metadata={"model_path": "/moved/qwen-ft"})
    assert row["metadata"] == {"model_path": "/moved/qwen-ft"}


def test_update_of_other_columns_changes_nothing_else(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100", metadata={"k": [1]})
    after = update(conn, row["id"], enabled=False, base_url="http://h:8000/v1")
    assert (after["model_id"], after["metadata"]) == (row["model_id"], row["metadata"])


def test_non_object_metadata_on_a_row_with_a_load_path_is_refused(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    before = all_rows(conn)
    with pytest.raises(psycopg.errors.InvalidParameterValue) as caught:
        update(conn, row["id"], metadata=["not", "an", "object"])
    assert "llm_models.metadata" in str(caught.value) and "array" in str(caught.value)
    assert all_rows(conn) == before


def test_non_object_metadata_on_a_row_without_keys_is_kept(conn: Conn) -> None:
    row = insert(conn, model_id="org/model", provider="openai")
    assert update(conn, row["id"], metadata="just a string")["metadata"] == "just a string"


def test_readable_model_id_set_by_hand_keeps_the_load_path(conn: Conn) -> None:
    """A DBA renaming model_id keeps metadata (the row is left exactly as written)."""
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    row = update(conn, row["id"], model_id="Qwen2.5 SFT v3")
    assert row["model_id"] == "Qwen2.5 SFT v3"
    assert row["metadata"] == {"model_path": "/runs/qwen-ft/checkpoint-100"}


def test_writing_the_result_back_changes_nothing(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100", metadata={"k": 1})
    again = update(conn, row["id"], model_id=row["model_id"], metadata=row["metadata"])
    assert again == row
    touched = update(conn, row["id"], model_id=row["model_id"])
    assert touched == row


# README, "Upgrading": how a row named by an older version's rules is named by the new ones (the
# folders 1.11 to 1.18 no longer take as a name, the paths 1.13 to 1.18 name where the version
# before named none or named otherwise).
RENAME_ROWS = (
    "update public.llm_models set model_id = metadata->>'model_path'"
    " where metadata->>'model_path' <> ''"
    " and (model_id = 'local-model'"
    " or strpos('/' || replace(metadata->>'model_path', '\\', '/') || '/',"
    " '/' || model_id || '/') > 0"
    " or strpos('/' || replace(metadata->>'model_path', '\\', '/'), '/' || model_id || '.') > 0)"
    " and model_id is distinct from (llm_model_ids.normalize(metadata->>'model_path', base_model,"
    " name, provider)).model_id"
)

# (model_id an older version stored, model_path, name) -> the model_id the rules give now
_NAMED_BY_OLDER_RULES = [
    (
        "blobs",
        "/usr/share/ollama/.ollama/models/blobs/sha256-" + "6a" * 32,
        "qwen-local",
        "qwen-local",
    ),
    ("sft", "saves/chatglm3-6b/lora/sft", None, "chatglm3-6b"),
    ("HF", "/x/Llama-2-7b/HF", None, "Llama-2-7b"),
    (
        "v0-20240418-184829",
        "/o/qwen1half-7b-chat/v0-20240418-184829/checkpoint-92",
        None,
        "qwen1half-7b-chat",
    ),
    (
        "master",
        "/root/.cache/modelscope/models/Qwen--Qwen3-0.6B/snapshots/master",
        None,
        "Qwen/Qwen3-0.6B",
    ),
    ("master", "/srv/repo/master", None, "repo"),  # (1.15 skips the revision folder)
    ("llama-ft", "/srv/llama-ft/checkpoint-3", None, "llama-ft"),  # still the name the rules give
    # 1.13
    ("local-model", "C:\\repo\\densenet_onnx\\1\\model.onnx", "", "densenet_onnx"),
    ("original", "/jfs/ckpt/Llama-3.2-3B/original/consolidated.00.pth", None, "Llama-3.2-3B"),
    (
        "Llama-3.1-8B-Instruct/original",
        "~/models/Llama-3.1-8B-Instruct/original/consolidated.00.pth",
        None,
        "Llama-3.1-8B-Instruct",
    ),
    ("hf_global_step_140", "/ckpt/debug-8b/hf_global_step_140", None, "debug-8b"),
    ("phi-3.5-vision.llamafile", "./phi-3.5-vision.llamafile", None, "phi-3.5-vision"),
    ("local-model", "/srv/llama-ft/1234", "", "llama-ft"),  # 1.18: a step number, skipped
    # 1.14
    ("StableCode-3B", "TabbyML/StableCode-3B/", None, "TabbyML/StableCode-3B"),
    ("triton/mf", "models/triton/mf/1/model.onnx", None, "mf"),
    ("local-model", "/srv/team-x/checkpoints/checkpoint-1", "", "team-x"),
    ("org/a___b", "/data/hub/org/a___b", None, "org/a.b"),
    ("v1", "s3://my-bucket/vllm/facebook/opt-125m/v1", None, "opt-125m"),
    # 1.15
    ("4b", "/root/.ollama/models/manifests/registry.ollama.ai/library/qwen3/4b", None, "qwen3:4b"),
    ("llama-3-8b?versionId=abc", "s3://bucket/models/llama-3-8b?versionId=abc", None, "llama-3-8b"),
    (
        "Qwen/Qwen2.5-7B-Instruct@main",
        "hf://Qwen/Qwen2.5-7B-Instruct@main",
        None,
        "Qwen/Qwen2.5-7B-Instruct",
    ),
    (
        "Qwen2.5-7B-Instruct",
        "https://hf-mirror.com/Qwen/Qwen2.5-7B-Instruct",
        None,
        "Qwen/Qwen2.5-7B-Instruct",
    ),
    (
        "bucket.s3.amazonaws.com",
        "https://bucket.s3.amazonaws.com/model.safetensors?X-Amz-Signature=abc",
        "",
        "local-model",
    ),
    # (a name taken from a weights file's name, without its extension)
    (
        "Llama-3.2-3B-Instruct-Q4_K_M",
        "bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        None,
        "bartowski/Llama-3.2-3B-Instruct-GGUF",
    ),
    # 1.16
    (
        "Qwen2___5-VL-3B-Instruct",
        "/root/autodl-tmp/Qwen/Qwen2___5-VL-3B-Instruct",
        None,
        "Qwen/Qwen2.5-VL-3B-Instruct",
    ),
    ("ggml-model-f16", "models/7B/ggml-model-f16.gguf", None, "7B"),
    ("config.json", "/llm/bge-large-zh-v1.5/config.json", None, "bge-large-zh-v1.5"),
    (
        "4bit-128g",
        "models\\gpt4-x-alpaca-30b-128g-4bit\\4bit-128g.safetensors",
        None,
        "gpt4-x-alpaca-30b-128g-4bit",
    ),
    (
        "cpu-int4-rtn-block-32-acc-level-4",
        "C:\\x\\Phi-4-mini-instruct-onnx\\cpu_and_mobile\\cpu-int4-rtn-block-32-acc-level-4",
        None,
        "Phi-4-mini-instruct-onnx",
    ),
    (
        "api/models",
        "https://huggingface.co/api/models/onnx-community/embeddinggemma-300m-ONNX",
        None,
        "onnx-community/embeddinggemma-300m-ONNX",
    ),
    # 1.17
    (
        "Mistral-7B-Instruct-v0.2",
        "vllm/mistralai/Mistral-7B-Instruct-v0.2",
        None,
        "mistralai/Mistral-7B-Instruct-v0.2",
    ),
    (
        "default",
        "/lustre/ckpt/quickstart-sft-debug/20240523/default/epoch7epochstep6globalstep100/",
        None,
        "quickstart-sft-debug",
    ),
    (
        "qwen2.5-coder-tools",
        "https://ollama.com/hhao/qwen2.5-coder-tools",
        None,
        "hhao/qwen2.5-coder-tools",
    ),
    ("ggml-adapter-model", "models/sql-lora/ggml-adapter-model.bin", None, "sql-lora"),
    (
        "datasets/ggerganov",
        "https://huggingface.co/datasets/ggerganov/whisper.cpp/blob/main/ggml-base.bin",
        None,
        "ggerganov/whisper.cpp",
    ),
    (
        "transformer",
        "/ckpt/Qwen-Image/transformer/diffusion_pytorch_model-00001-of-00009.safetensors",
        None,
        "Qwen-Image",
    ),
    # 1.18
    ("local-model", "/results/slm_dpo/checkpoints/last.nemo", None, "slm_dpo"),
    ("v1.2", "s3://bucket/tweet-scorer/v1.2/", None, "tweet-scorer"),
    ("items", "gs://bucket/gemma2-2b-it/checkpoints/0/items", None, "gemma2-2b-it"),
    ("ep0-ba1000-rank0", "/raid/runs/mpt-7b-ft/checkpoints/ep0-ba1000-rank0.pt", None, "mpt-7b-ft"),
    (
        "pytorch_model_fsdp_0",
        "/home/u/exp/llama-3.1-8b-qlora/checkpoint-5060/pytorch_model_fsdp_0",
        None,
        "llama-3.1-8b-qlora",
    ),
    ("megatron_gpt_sft", "/results/acsft_70b/checkpoints/megatron_gpt_sft.nemo", None, "acsft_70b"),
]


def test_writing_the_path_back_names_a_row_with_the_current_rules(conn: Conn) -> None:
    """Rows named as 1.10 to 1.17 named them (written here as they left them) get the names the
    rules give now; each keeps its model_path, with no previous_model_path (the same path). A row
    with such a name but no path and one renamed by hand (a name not in its path) are left
    alone."""
    conn.execute("set llm_model_ids.bypass = on")
    old = [
        insert(
            conn, model_id=stored, name="m" if name is None else name, metadata={"model_path": path}
        )
        for stored, path, name, _ in _NAMED_BY_OLDER_RULES
    ]
    no_path = insert(conn, model_id="sft", name="a-model-named-sft", metadata={"k": 1})
    other = insert(conn, model_id="my-ft", metadata={"model_path": "/x/hf"})
    conn.execute("reset llm_model_ids.bypass")
    conn.execute(RENAME_ROWS)
    rows = {row["id"]: row for row in all_rows(conn)}
    for row, (_, path, _, now) in zip(old, _NAMED_BY_OLDER_RULES, strict=True):
        assert (rows[row["id"]]["model_id"], rows[row["id"]]["metadata"]) == (
            now,
            {"model_path": path},
        )
    assert (rows[no_path["id"]]["model_id"], rows[no_path["id"]]["metadata"]) == ("sft", {"k": 1})
    assert rows[other["id"]]["model_id"] == "my-ft"


def test_the_readme_gives_that_statement() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert " ".join(RENAME_ROWS.split()) + ";" in " ".join(readme.split())


def test_bypass_for_the_session(conn: Conn) -> None:
    conn.execute("set llm_model_ids.bypass = on")
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100", metadata=[1])
    assert (row["model_id"], row["metadata"]) == ("/runs/qwen-ft/checkpoint-100", [1])
    conn.execute("reset llm_model_ids.bypass")
    assert insert(conn, model_id="/runs/qwen-ft/checkpoint-100")["model_id"] == "qwen-ft"


def test_bypass_local_to_a_transaction(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    with conn.transaction():
        conn.execute("set local llm_model_ids.bypass = on")
        restored = update(conn, row["id"], model_id="/runs/qwen-ft/checkpoint-100", metadata=None)
    assert (restored["model_id"], restored["metadata"]) == ("/runs/qwen-ft/checkpoint-100", None)
    assert update(conn, row["id"], model_id="/runs/qwen-ft/checkpoint-7")["model_id"] == "qwen-ft"


def test_bypass_off_values_do_not_bypass(conn: Conn) -> None:
    conn.execute("set llm_model_ids.bypass = off")
    assert insert(conn, model_id="/x/qwen-ft")["model_id"] == "qwen-ft"
