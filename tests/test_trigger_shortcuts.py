"""The trigger's shortcuts give what the rules give: the one-test lane for an absolute path with a
plain org/name base model (sql/src/30_trigger.sql), the TRIM macro's "nothing to trim" test and
FAST_HUB's early rejections, FAST_NAME and the string tests in front of each regex
(scripts/compile_sql.py) and rule 2's cache folders, found without splitting the path
(sql/src/rules_body.sql). Each row sits on an edge of one of them; the
stored row must be what normalize() and the Python twin say, on INSERT and on UPDATE."""

from __future__ import annotations

from typing import Any

import pytest

from llm_model_ids.rules import normalize_row
from rows import Conn, insert, sql_normalize, twin_row, update

PATH = "/srv/runs/job_1/checkpoint-500"
BASE = "meta-llama/Llama-3.2-3B-Instruct"
UUID = "0cc175b9-c0f1-b6a8-31c3-99e269772661"
OTHER = "/srv/runs/other/step-1"  # a path whose own name differs from its base model's
CACHE = "/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-7B-Instruct/snapshots/" + "a1" * 20
PATHNAME = "/srv/models/runs/7/llama-ft-7/checkpoint-7"
OLLAMA_MANIFEST = "/o/manifests/registry.ollama.ai/library/gemma/checkpoint-1"
NAMED = "/srv/models/llama3-legal"
HUBBED = "/mnt/models/deepseek-ai/DeepSeek-R1"

# (note, model_id, base_model, name)
EDGES: list[tuple[str, str, str | None, str]] = [
    ("the lane", PATH, BASE, "my-ft"),
    ("the lane, path padded at the end", PATH + " \t ", BASE, "my-ft"),
    ("the lane, path padded at the start", "  " + PATH, BASE, "my-ft"),
    ("a padded base model takes the rules", PATH, "  " + BASE + "\n", "my-ft"),
    ("a one-letter org", PATH, "a/b", "my-ft"),
    ("an org that starts like a step folder", PATH, "st/model", "my-ft"),
    ("an org that is a step folder", PATH, "checkpoint-5/model", "my-ft"),
    ("an org that is a step folder, any case", PATH, "Step_10/model", "my-ft"),
    ("an org that is a container", PATH, "models/llama", "my-ft"),
    ("a base model that is a weights file", PATH, "org/model.gguf", "my-ft"),
    ("a base model that is a path", PATH, "/srv/base/llama", "my-ft"),
    ("a base model with a digest-long org", PATH, "a" * 40 + "/model", "my-ft"),
    ("a base model that starts with a symbol", PATH, "_org/model", "my-ft"),
    ("no base model, a padded name", PATH, None, "  My model  "),
    ("a home path, not the lane", "~/runs/checkpoint-5", BASE, "my-ft"),
    ("a non-ASCII first character", "\u00a0" + PATH, BASE, "my-ft"),
    ("a non-ASCII last character", PATH + "\u00e9", BASE, "my-ft"),
    ("a hub cache path with padding", "/hf/hub/models--Qwen--Qwen2.5-7B/snapshots/ab ", None, "x"),
    # FAST_HUB tests characters, not a pattern: each edge of what it admits.
    ("a base model with a space inside", PATH, "org/my model", "my-ft"),
    ("a base model ending in a tab", PATH, "org/model\t", "my-ft"),
    ("a base model ending in a space", PATH, "org/model ", "my-ft"),
    ("a base model ending in '/'", PATH, "org/model/", "my-ft"),
    ("a base model ending in '.'", PATH, "org/model.", "my-ft"),
    ("a base model with two '/'", PATH, "org/a/b", "my-ft"),
    ("a base model with a ':'", PATH, "org:x/model", "my-ft"),
    ("a base model with a backslash", PATH, "org\\x/model", "my-ft"),
    (
        "a non-ASCII base model",
        PATH,
        "org/na\u00efve-\u043c\u043e\u0434\u0435\u043b\u044c",
        "my-ft",
    ),
    ("a base model ending in a non-ASCII space", PATH, "org/model\u00a0", "my-ft"),
    ("a base model with an 11-character org", PATH, "deepseek-ai/DeepSeek-R1", "my-ft"),
    # 1.19: FAST_HUB admits an 11-character org unless it starts with "tmp" (mkdtemp's folder).
    ("a base model with mkdtemp's org", PATH, "tmpab12cd_x/model", "my-ft"),
    ("a base model with mkdtemp's org, upper case", PATH, "TMPab12cd_x/model", "my-ft"),
    ("a base model with a 10-character org", PATH, "tmpab12cdx/model", "my-ft"),
    ("a hub layout with mkdtemp's org", "/srv/models/tmpab12cd_x/llama", None, "x"),
    ("a hub layout with an 11-character org", "/srv/models/deepseek-ai/R1/ckpt-1", None, "x"),
    ("a base model that is a weights file, upper case", PATH, "org/model.GGUF", "my-ft"),
    ("a base model that starts with '@'", PATH, "@org/model", "my-ft"),
    ("a base model whose org starts with a step prefix", PATH, "Stability/model", "my-ft"),
    ("a base model whose org is a step folder, upper case", PATH, "EPOCH-3/model", "my-ft"),
    ("a hub id with a space inside", "org/my model", None, "x"),
    ("a hub id ending in a tab", "org/model\t", None, "x"),
    ("a hub id that is a weights file after a space", "org/model.gguf ", None, "x"),
    ("a non-ASCII hub id", "org/na\u00efve", None, "x"),
    # Rule 2's cache folders are found without splitting the path: each edge of that.
    (
        "two cache folders, the inner one unusable",
        "/c/models--a--b/x/models--step-1--y/snapshots/1",
        None,
        "x",
    ),
    (
        "two cache folders, the inner one usable",
        "/c/models--a--b/x/models--org--name/snapshots/1",
        None,
        "x",
    ),
    ("a cache folder name inside a segment", "/c/my-models--org--name/snapshots/1", None, "x"),
    ("a cache path with backslashes", "C:\\hf\\models--org--name\\snapshots\\ab", None, "x"),
    ("an empty cache folder", "/c/models--/models--org--name", None, "x"),
    ("a cache folder repeated in one segment", "/c/models--models--org--name/s", None, "x"),
    ("a relative cache path", "models--org--name/snapshots/ab", None, "x"),
    # The string tests in front of a regex (ROOT, STRIP_SHARD, GENERIC_WEIGHTS_FILE, STEP) and
    # FAST_NAME, which has none: each edge of what they let through or stop.
    ("a shard suffix", "/srv/x/Llama-3-8B-00001-of-00004.gguf", None, "x"),
    ("a shard suffix, upper case", "/srv/x/Llama-3-8B-00001-OF-00004.gguf", None, "x"),
    ("a shard suffix with four digits", "/srv/x/llama-0001-of-00004.gguf", None, "x"),
    ("a shard suffix's shape with letters", "/srv/x/llama-abcde-of-fghij.gguf", None, "x"),
    ("a shard suffix's shape without '-of-'", "/srv/x/llama-00001-xy-00004.gguf", None, "x"),
    ("a sharded generic weights file", "/srv/ft/model-00001-of-00002.safetensors", None, "x"),
    ("a generic weights file, upper case", "/srv/ft/MODEL.safetensors", None, "x"),
    ("a generic weights file, short shard", "/srv/ft/model-0001-of-00002.safetensors", None, "x"),
    ("a generic weights stem and more", "/srv/ft/modelx-00001-of-00002.bin", None, "x"),
    ("a generic weights stem, upper-case OF", "/srv/ft/model-00001-OF-00002.bin", None, "x"),
    ("a segment ending with ':'", "/srv/weird:/checkpoint-1", None, "x"),
    ("a ':' inside a segment", "/srv/a:b/checkpoint-1", None, "x"),
    ("a $HOME root", "$HOME/checkpoint-1", None, "x"),
    ("a ${VAR} root", "${RUNS}/checkpoint-1", None, "x"),
    ("a %VAR% root", "%USERPROFILE%\\checkpoint-1", None, "x"),
    ("a '..' root", "../checkpoint-1", None, "x"),
    ("a segment starting with '.'", "/srv/.hidden/checkpoint-1", None, "x"),
    ("a segment starting with '~'", "/srv/~me/checkpoint-1", None, "x"),
    ("a segment starting with '$' that is no root", "/srv/$5-run/checkpoint-1", None, "x"),
    ("a step folder, upper case", "/srv/ft/Checkpoint-100", None, "x"),
    ("a step folder without a separator", "/srv/ft/global_step500", None, "x"),
    ("a step folder with a suffix", "/srv/ft/step_1-merged", None, "x"),
    ("a folder with a step prefix's first letter", "/srv/ft/sft-run", None, "x"),
    ("a folder with a step prefix's two letters", "/srv/ft/items", None, "x"),
    ("a folder that is a step prefix", "/srv/ft/iter", None, "x"),
    ("a name that starts with a digit", "/srv/runs/9-llama", None, "x"),
    ("a name that starts with '_'", "/srv/runs/_private", None, "x"),
    ("a name with a space", "/srv/runs/Llama 3", None, "x"),
    ("a name with '@'", "/srv/runs/llama@home", None, "x"),
    ("a non-ASCII name", "/srv/runs/\u043c\u043e\u0434\u0435\u043b\u044c", None, "x"),
    ("a display name with a backslash", "/srv/runs/checkpoint-1", None, "my\\model"),
    ("a display name with a ':'", "/srv/runs/checkpoint-1", None, "my:model"),
    ("a display name with a '/'", "/srv/runs/checkpoint-1", None, "org/model"),
    ("a display name that is a weights file", "/srv/runs/checkpoint-1", None, "llama.GGUF"),
    ("a display name of a UUID's length", "/srv/runs/checkpoint-1", None, "a" * 36),
    ("a display name starting with '['", "/srv/runs/checkpoint-1", None, "[x] model"),
    ("a display name starting with '`'", "/srv/runs/checkpoint-1", None, "`model"),
    ("a display name starting with 'Z'", "/srv/runs/checkpoint-1", None, "Zephyr 7B"),
    # 1.19: FAST_NAME_MORE admits a digit first, when a character that is none follows.
    ("a display name of digits", "/srv/runs/checkpoint-1", None, "12345"),
    ("a display name starting with a digit", "/srv/runs/checkpoint-1", None, "7B chat"),
    ("a display name of a digest's length, digit first", "/srv/runs/checkpoint-1", None, "1" * 40),
    ("a name of digits and a letter", "/srv/runs/7b", None, "x"),
    ("a name of digits, a '.' and digits", "/srv/runs/ft/1.5", None, "x"),
    ("no hub: a name of digits and a letter", "/srv/models/runs/7/70b/step-1", None, "x"),
    # 1.19: the trigger's test of rule 2's result: FAST_HUB, FAST_NAME, FAST_NAME_MORE.
    ("a route in front of a plain name", "hosted_vllm/qwen3-32b", None, "x"),
    ("a route in front of a name and a tag", "ollama_chat/llama3:8b", None, "x"),
    ("a route in front of hf:{name}", "ollama_chat/hf:xyz", None, "x"),
    ("a route in front of HF-Hub:{name}", "ollama_chat/HF-Hub:xyz", None, "x"),
    ("a route in front of a digest", "ollama_chat/sha256:" + "a" * 64, None, "x"),
    ("Ollama's name and tag", "ollama://gemma:2b", None, "x"),
    ("Ollama's name and tag, a digit first", "ollama://7b:latest", None, "x"),
    ("a cache folder of a plain name", "/w/models/models--opt-125m", None, "x"),
    (
        "a name of a UUID's length, other characters",
        "/srv/runs/" + "llama-3.1-nemoguard-8b-topic-control",
        None,
        "x",
    ),
    (
        "a name of a UUID's length, hex and dashes",
        "/srv/runs/" + "abcdef01-abcd-abcd-abcd-abcdef012345",
        None,
        "x",
    ),
    ("a name of a digest's length, digits and letters", "/srv/runs/7" + "a" * 39, None, "x"),
    (
        "a display name of a UUID's length",
        "/srv/runs/checkpoint-1",
        None,
        "Llama-3.1-nemoguard-8b-topic-control",
    ),
    ("a display name with a tag", "/srv/runs/checkpoint-1", None, "llama3:8b"),
    ("a display name hf:{name}", "/srv/runs/checkpoint-1", None, "hf:org"),
    # Rule 3 starts at the hub layout's name when the segments after it have no '.' or ':'.
    ("no hub: step folders after the name", "/srv/models/runs/7/ft-7/checkpoint-7", None, "x"),
    ("no hub: a weights file after the name", "/srv/models/runs/ft/final.bin", None, "x"),
    ("no hub: a named weights file after the name", "/srv/models/runs/ft/q4.gguf", None, "x"),
    ("no hub: a step folder that is a root after it", "/srv/models/runs/ft/step1.x:", None, "x"),
    ("no hub: a generic file after the name", "/srv/models/runs/ft/model.safetensors", None, "x"),
    ("no hub: a file as the hub walk's name", "/srv/models/runs/ft/final.bin/step-1", None, "x"),
    ("no hub: a root as the hub walk's name", "/srv/models/a/b/c:/checkpoint-1", None, "x"),
    ("no hub: a digest with ':' after it", "/srv/models/runs/r/sha256:" + "a" * 64, None, "x"),
    ("no hub: empty segments after the name", "/srv/models/runs/ft/checkpoint-1//", None, "x"),
    ("no hub: a padded step folder", "/srv/models/runs/ft/ checkpoint-1 /x.gguf", None, "x"),
    ("a hub layout after a step folder", "/srv/models/org/name/checkpoint-1", None, "x"),
    # 1.9.0: the hub layout's walk in two loops (the name; then the org and the container), the
    # one segment after the name read without a slice, STEP with one rtrim and a LIKE.
    ("no hub: a step folder with a '.' after it", "/srv/models/runs/ft/step_1.5", None, "x"),
    ("no hub: a '.' two segments after it", "/srv/models/runs/ft/step_1.5/ckpt-2", None, "x"),
    ("no hub: a root two segments after it", "/srv/models/runs/ft/step1.x:/ckpt-2", None, "x"),
    ("a hub layout with empty segments", "/srv/models//org//name//checkpoint-1", None, "x"),
    ("a hub layout with padded segments", "/srv/ models /\torg / name/step-1", None, "x"),
    ("a hub layout, upper-case container", "/srv/MODELS/org/name", None, "x"),
    ("a name right below the container", "/models/name", None, "x"),
    ("a name and an org at the top", "org/name/checkpoint-1", None, "x"),
    ("a ModelScope hub layout", "/root/.cache/modelscope/hub/Qwen/Qwen2___5-7B", None, "x"),
    ("a container two segments too high", "/srv/models/a/b/c/checkpoint-1", None, "x"),
    ("a folder that is a step stem", "/srv/ft/checkpoint-", None, "x"),
    ("a step stem and letters", "/srv/ft/checkpoint-x", None, "x"),
    ("a step number and a trailing '-'", "/srv/ft/epoch-3-", None, "x"),
    ("a step folder, upper-case stem", "/srv/ft/CKPT_0", None, "x"),
    ("a step number in the middle", "/srv/ft/step12x", None, "x"),
    ("a base model whose org is a step stem", PATH, "step_/model", "my-ft"),
    ("a base model whose org is a step folder, no separator", PATH, "Iter12/model", "my-ft"),
    ("a base model whose org starts like a step stem", PATH, "Checkpoints/model", "my-ft"),
    ("a base model that is a path, then the path", "/srv/runs/ft/step-1", "/m/models/a/b/x", "x"),
    # 1.10.0: rule 3's result straight from the hub walk's name (FAST_NAME, no container); every
    # other name goes through rule 3 from that segment.
    ("no hub: the name is a container", "/srv/models/a/runs/checkpoint-1", None, "x"),
    ("no hub: the name is a container, upper case", "/srv/models/a/Runs/checkpoint-1", None, "x"),
    ("no hub: a container name at the top", "models/checkpoint-1", None, "x"),
    ("a relative path below 'hub'", "hub/llama", None, "x"),
    ("no hub: a name that starts with a digit", "/srv/models/runs/7/9-llama/step-1", None, "x"),
    ("no hub: a name that starts with '_'", "/srv/models/runs/7/_ft/step-1", None, "x"),
    ("no hub: a name that is a UUID", "/srv/models/runs/7/" + UUID + "/step-1", None, "x"),
    ("no hub: a name with a '.'", "/srv/models/runs/7/llama.v2/checkpoint-1", None, "x"),
    ("no hub: a non-ASCII name", "/srv/models/runs/7/\u043c\u043e\u0434/step-1", None, "x"),
    ("no hub: a padded name", "/srv/models/runs/7/ ft \t/step-1", None, "x"),
    ("no hub: a name with a space", "/srv/models/runs/7/Llama 3/step-1", None, "x"),
    ("no hub: the name is the last segment", "/srv/models/runs/7/ft", None, "x"),
    ("a base model path, no hub layout", OTHER, "/m/models/r/7/ft/ckpt-1", "x"),
    ("a base model path, a container name", OTHER, "/m/models/r/out/ckpt-1", "x"),
    # 1.20: the cache lane (an absolute Hugging Face cache path, no base model; the trigger's
    # third test): each condition it tests, and each edge of the candidate it computes.
    ("the cache lane", CACHE, None, "x"),
    ("the cache lane, a branch's revision", "/hf/models--org--name/snapshots/main", None, "x"),
    ("the cache lane, padded at the end", CACHE + " \n", None, "x"),
    ("the cache lane, padded at the start", "  " + CACHE, None, "x"),
    ("the cache lane, the folder padded at the end", "/hf/hub/models--org--name \t", None, "x"),
    ("the cache lane, the folder last", "/hf/hub/models--org--name", None, "x"),
    ("the cache lane, the folder at the root", "/models--org--name/snapshots/1", None, "x"),
    ("the cache lane, a base model", CACHE, BASE, "x"),
    ("the cache lane, a base model it cannot use", CACHE, "org/a/b", "x"),
    ("the cache lane, an empty base model", CACHE, "", "x"),
    ("the cache lane, a ':' in the path", "/mnt/c:/hf/models--org--name/snapshots/1", None, "x"),
    ("the cache lane, a ':' in the folder", "/hf/models--org--name:v1/snapshots/1", None, "x"),
    ("the cache lane, backslashes after it", "/hf/models--a--b\\x\\models--org--name", None, "x"),
    ("the cache lane, backslashes before it", "/hf\\models--org--name/snapshots/1", None, "x"),
    ("the cache lane, three parts", "/hf/models--org--name--x/snapshots/1", None, "x"),
    ("the cache lane, no org", "/hf/models--name/snapshots/1", None, "x"),
    ("the cache lane, an empty folder", "/hf/models--/snapshots/1", None, "x"),
    ("the cache lane, a step folder's org", "/hf/models--step-1--y/snapshots/1", None, "x"),
    ("the cache lane, mkdtemp's org", "/hf/models--tmpab12cd_x--y/snapshots/1", None, "x"),
    ("the cache lane, an 11-character org", "/hf/models--deepseek-ai--R1/snapshots/1", None, "x"),
    ("the cache lane, a name with '___'", "/hf/models--Qwen--Qwen2___5-7B/snapshots/1", None, "x"),
    ("the cache lane, a non-ASCII name", "/hf/models--org--na\u00efve/snapshots/1", None, "x"),
    ("the cache lane, a non-ASCII last character", CACHE + "\u00e9", None, "x"),
    ("the cache lane, a weights file after it", "/hf/models--org--name/x/model.gguf", None, "x"),
    ("the cache lane, a relative path", "hf/models--org--name/snapshots/1", None, "x"),
    ("the cache lane, over 4096 bytes", "/" + "x" * 4096 + CACHE, None, "x"),
    ("the cache lane, over 4096 bytes, fewer characters", "/" + "\u00e9" * 2100 + CACHE, None, "x"),
    # 1.20: the path-name lane ({run}/{name}/checkpoint-{N}, no base model; the trigger's fourth
    # test): each condition it tests.
    ("the path-name lane", PATHNAME, None, "x"),
    ("the path-name lane, no container", "/srv/runs/llama-ft/checkpoint-100", None, "x"),
    ("the path-name lane, a hub layout", "/srv/models/org/name/global_step9", None, "x"),
    ("the path-name lane, a padded container", "/srv/MODELS \t/org/name/step-1", None, "x"),
    ("the path-name lane, a container padded first", "/srv/ hub/org/name/step-1", None, "x"),
    ("the path-name lane, an empty org", "/srv/models//name/checkpoint-1", None, "x"),
    ("the path-name lane, a blank org", "/srv/models/ /name/checkpoint-1", None, "x"),
    ("the path-name lane, a blank org below a hub", "/srv/models/x/ /name/step-1", None, "x"),
    ("the path-name lane, an empty org below a hub", "/srv/models/x//name/step-1", None, "x"),
    ("the path-name lane, an empty container", "/srv/models//org/name/checkpoint-1", None, "x"),
    ("the path-name lane, empty segments at the top", "//org/name/checkpoint-1", None, "x"),
    ("the path-name lane, an org at the top", "/org/name/checkpoint-1", None, "x"),
    ("the path-name lane, a container at the top", "/models/name/checkpoint-1", None, "x"),
    ("the path-name lane, a name at the top", "/name/checkpoint-1", None, "x"),
    ("the path-name lane, a name with a '.'", "/srv/runs/Qwen2.5-7B-ft/checkpoint-10", None, "x"),
    ("the path-name lane, a generic file's name", "/srv/runs/config.json/checkpoint-1", None, "x"),
    ("the path-name lane, a weights file's name", "/srv/runs/ft.safetensors/ckpt_3", None, "x"),
    ("the path-name lane, a skipped name", "/srv/runs/merged/checkpoint-1", None, "x"),
    ("the path-name lane, a version's name", "/srv/runs/ft/v1.2/checkpoint-1", None, "x"),
    ("the path-name lane, a container's name", "/srv/runs/outputs/checkpoint-1", None, "x"),
    ("the path-name lane, mkdtemp's name", "/srv/runs/tmpab12cd_x/checkpoint-1", None, "x"),
    ("the path-name lane, a name with '___'", "/srv/runs/Qwen2___5-7B/checkpoint-1", None, "x"),
    ("the path-name lane, a name padded at the end", "/srv/runs/llama-ft /checkpoint-1", None, "x"),
    ("the path-name lane, a name padded first", "/srv/runs/ llama-ft/checkpoint-1", None, "x"),
    ("the path-name lane, a name with a digit first", "/srv/runs/7b-ft/checkpoint-1", None, "x"),
    ("the path-name lane, a name of a UUID", "/srv/runs/" + UUID + "/checkpoint-1", None, "x"),
    ("the path-name lane, a step folder, upper case", "/srv/runs/llama/CHECKPOINT_5", None, "x"),
    ("the path-name lane, a step stem alone", "/srv/runs/llama/checkpoint-", None, "x"),
    ("the path-name lane, a step folder with a suffix", "/srv/runs/llama/step-5-merged", None, "x"),
    ("the path-name lane, a step folder padded", "/srv/runs/llama/checkpoint-5 ", None, "x"),
    ("the path-name lane, AReaL's step folder", "/x/t/a/epoch1epochstep2globalstep3", None, "y"),
    ("the path-name lane, Kaggle's version folder", "/k/gemma/transformers/2b/1", None, "x"),
    ("the path-name lane, a backslash", "/srv\\runs\\llama-ft/checkpoint-1", None, "x"),
    ("the path-name lane, a backslash above it", "/srv/models\\org/name/checkpoint-1", None, "x"),
    ("the path-name lane, a '--'", "/c/Qwen--Qwen3/snapshots/ft/checkpoint-1", None, "x"),
    ("the path-name lane, an Ollama manifest", OLLAMA_MANIFEST, None, "x"),
    ("the path-name lane, a ':'", "/mnt/c:/runs/llama-ft/checkpoint-1", None, "x"),
    ("the path-name lane, a ':' as the org", "/srv/x/c:/llama-ft/checkpoint-1", None, "x"),
    ("the path-name lane, a URI's query", "/srv/a:/b?x#y/llama-ft/checkpoint-1", None, "x"),
    ("the path-name lane, over 4096 bytes", "/" + "x" * 4096 + PATHNAME, None, "x"),
    ("the path-name lane, a base model", PATHNAME, BASE, "x"),
    ("the path-name lane, a base model it cannot use", PATHNAME, "org/a/b", "x"),
    # 1.20: the path-name lane for a path that ends with its name, .../{org}/{name} (no step
    # folder): each condition it tests, for the last segment.
    ("a path's name", NAMED, None, "x"),
    ("a path's name, no container", "/srv/llama3-legal", None, "x"),
    ("a path's name, an org at the top", "/org/llama3-legal", None, "x"),
    ("a path's name at the top", "/llama3-legal", None, "x"),
    ("a path's name, a container above it", "/models/llama3-legal", None, "x"),
    ("a path's name, a hub layout", "/mnt/models/org/Llama-3", None, "x"),
    ("a path's name, a hub layout at the top", "/models/org/Llama-3", None, "x"),
    ("a path's name, a padded container", "/srv/MODELS \t/org/name", None, "x"),
    ("a path's name, a container padded first", "/srv/ hub/org/name", None, "x"),
    ("a path's name, an empty org", "/srv/models//name", None, "x"),
    ("a path's name, a blank org", "/srv/models/ /name", None, "x"),
    ("a path's name, an empty container", "/srv/models//org/name", None, "x"),
    ("a path's name, empty segments at the top", "//org/name", None, "x"),
    ("a path's name, a trailing '/'", "/srv/runs/llama-ft/", None, "x"),
    ("a path's name, padded at the end", "/srv/runs/llama-ft \n", None, "x"),
    ("a path's name, a tab at the end", "/srv/runs/llama-ft\t", None, "x"),
    ("a path's name with a '.'", "/srv/runs/Qwen2.5-7B-ft", None, "x"),
    ("a path's name with a '.' last", "/srv/runs/llama-ft.", None, "x"),
    ("a path's name with a space", "/srv/runs/llama ft", None, "x"),
    ("a path's name, upper case", "/srv/runs/LLAMA-FT", None, "x"),
    ("a path's name, a non-ASCII last character", "/srv/runs/llama-\u00e9", None, "x"),
    ("a path's name, non-ASCII", "/srv/runs/\u043c\u043e\u0434\u0435\u043b\u044c", None, "x"),
    ("a path's name, a generic file", "/srv/runs/config.json", None, "x"),
    ("a path's name, a generic weights file", "/srv/runs/llama/model.safetensors", None, "x"),
    ("a path's name, a weights file", "/srv/llm/llama-3.Q4_K_M.gguf", None, "x"),
    ("a path's name, a sharded weights file", "/srv/llm/x/model-00001-of-00002.bin", None, "x"),
    ("a path's name, a skipped folder", "/srv/runs/llama-ft/merged", None, "x"),
    ("a path's name, a version folder", "/srv/runs/llama-ft/v1.2", None, "x"),
    ("a path's name, a branch folder", "/srv/runs/llama-ft/main", None, "x"),
    ("a path's name, a container", "/srv/runs/llama-ft/Outputs", None, "x"),
    ("a path's name, mkdtemp's folder", "/srv/runs/tmpab12cd_x", None, "x"),
    ("a path's name with '___'", "/srv/runs/Qwen2___5-7B", None, "x"),
    ("a path's name with a digit first", "/srv/runs/7b-ft", None, "x"),
    ("a path's name, digits", "/srv/runs/llama-ft/3500", None, "x"),
    ("a path's name, a UUID", "/srv/runs/" + UUID, None, "x"),
    ("a path's name, a step folder with a suffix", "/srv/runs/llama/step-5-merged", None, "x"),
    ("a path's name, a step stem alone", "/srv/runs/llama/checkpoint", None, "x"),
    ("a path's name, $VAR", "/srv/runs/$MODEL", None, "x"),
    ("a path's name, a dot first", "/srv/runs/.cache", None, "x"),
    ("a path's name, a backslash", "/srv\\runs\\llama-ft", None, "x"),
    ("a path's name, a '--'", "/c/Qwen--Qwen3/snapshots/ft", None, "x"),
    (
        "a path's name, an Ollama manifest",
        "/o/manifests/registry.ollama.ai/library/gemma/v2",
        None,
        "x",
    ),
    ("a path's name, a ':'", "/mnt/c:/runs/llama-ft", None, "x"),
    ("a path's name, a ':' as the org", "/srv/x/c:/llama-ft", None, "x"),
    ("a path's name, a ':' in the name", "/srv/runs/llama:7b", None, "x"),
    ("a path's name, a URI's query", "/srv/a:/b?x#y/llama-ft", None, "x"),
    ("a path's name, over 4096 bytes", "/" + "x" * 4096 + NAMED, None, "x"),
    ("a path's name, a base model", NAMED, BASE, "x"),
    ("a path's name, a base model it cannot use", NAMED, "org/a/b", "x"),
    # 1.21: the path-name lane for a hub layout, .../{container}/{org}/{name}[/{step folder}], and
    # for a trailing '/': each condition it tests.
    ("a hub layout's name", HUBBED, None, "x"),
    ("a hub layout's name, a step folder", HUBBED + "/checkpoint-20", None, "x"),
    ("a hub layout's name, a trailing '/'", HUBBED + "/", None, "x"),
    ("a hub layout's name, a step folder, a '/'", HUBBED + "/step_3/", None, "x"),
    ("a hub layout's name, two trailing '/'", HUBBED + "//", None, "x"),
    ("a hub layout at the top", "/models/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, 'hub'", "/root/.cache/modelscope/hub/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, 'modelscope'", "/mnt/modelscope/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, 'model_scope'", "/var/gpustack/model_scope/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, 'model'", "/srv/model/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, upper-case container", "/srv/MODELS/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, a padded container", "/srv/models \t/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, a container padded first", "/srv/ models/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, an empty container", "/srv/models//Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, an empty org", "/srv/models//Qwen3-8B", None, "x"),
    ("a hub layout, a padded org", "/srv/models/Qwen /Qwen3-8B", None, "x"),
    ("a hub layout, an org padded first", "/srv/models/ Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, a padded name", "/srv/models/Qwen/Qwen3-8B ", None, "x"),
    ("a hub layout, a name with a space", "/srv/models/Qwen/Qwen3 8B", None, "x"),
    ("a hub layout, a name with a digit first", "/data/models/llama-2-hf/7b-chat", None, "x"),
    ("a hub layout, a name with '_' first", "/srv/models/Qwen/_Qwen3", None, "x"),
    ("a hub layout, an org with a digit first", "/srv/models/01-ai/Yi-6B", None, "x"),
    ("a hub layout, an org with '.'", "/srv/models/org.ai/name", None, "x"),
    ("a hub layout, a name with '.'", "/srv/models/Qwen/Qwen2.5-7B", None, "x"),
    ("a hub layout, a name with '.' last", "/srv/models/Qwen/Qwen2.", None, "x"),
    ("a hub layout, a non-ASCII name", "/srv/models/Qwen/mod\u00e8le", None, "x"),
    ("a hub layout, a name with '___'", "/srv/models/Qwen/Qwen2___5-7B", None, "x"),
    ("a hub layout, an org with '___'", "/srv/models/Q___w/Qwen3-8B", None, "x"),
    ("a hub layout, a weights file", "/srv/models/Qwen/qwen3-8b.gguf", None, "x"),
    ("a hub layout, a generic weights file", "/srv/models/Qwen/model.safetensors", None, "x"),
    ("a hub layout, a generic file", "/srv/models/Qwen/config.json", None, "x"),
    ("a hub layout, a weights file's folder", "/srv/models/Qwen/x.gguf/step-1", None, "x"),
    ("a hub layout, a skipped name", "/srv/models/Qwen/merged", None, "x"),
    ("a hub layout, a step folder as the name", "/srv/models/Qwen/checkpoint-5", None, "x"),
    ("a hub layout, a version folder", "/srv/models/Qwen/Qwen3/1", None, "x"),
    ("a hub layout, a 'v' version folder", "/srv/models/Qwen/Qwen3/v2", None, "x"),
    ("a hub layout, a branch folder", "/srv/models/Qwen/Qwen3-8B/main", None, "x"),
    ("a hub layout, a container's name", "/srv/models/Qwen/outputs", None, "x"),
    ("a hub layout, a container as the org", "/srv/models/hub/Qwen3-8B", None, "x"),
    ("a hub layout, a skipped org", "/srv/models/merged/Qwen3-8B", None, "x"),
    ("a hub layout, a step folder as the org", "/srv/models/step-1/Qwen3-8B", None, "x"),
    ("a hub layout, mkdtemp's org", "/srv/models/tmpab12cd_x/Qwen3-8B", None, "x"),
    ("a hub layout, a first-segment word as org", "/srv/models/checkpoints/Qwen3-8B", None, "x"),
    ("a hub layout, a UUID org", "/srv/models/" + UUID + "/Qwen3-8B", None, "x"),
    ("a hub layout, a UUID name", "/srv/models/Qwen/" + UUID, None, "x"),
    ("a hub layout, digits as the name", "/srv/models/Qwen/3500", None, "x"),
    ("a hub layout, a 36-byte org/name", "/srv/models/Qwen/" + "q" * 31, None, "x"),
    ("a hub layout, a long name", "/srv/models/Qwen/" + "q" * 300, None, "x"),
    ("a hub layout, a backslash", "/srv\\models/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, a '--'", "/srv/models/Qwen/Qwen--3", None, "x"),
    ("a hub layout, an Ollama manifest", "/o/manifests/h/models/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, a '\\' before a manifest", "/o/manifests\\h/models/Qwen/Qwen3-8B", None, "x"),
    (
        "a hub layout below a ModelScope snapshot",
        "/c/Qwen--Qwen3/snapshots/hub/org/name",
        None,
        "x",
    ),
    ("a hub layout, a ':' above it", "/mnt/c:/models/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, a ':' as the org", "/srv/models/c:/Qwen3-8B", None, "x"),
    ("a hub layout, a URI's query above it", "/srv/a:/b?x#y/models/Qwen/Qwen3-8B", None, "x"),
    ("a hub layout, over 4096 bytes", "/" + "x" * 4096 + HUBBED, None, "x"),
    ("a hub layout, a base model", HUBBED, BASE, "x"),
    ("a hub layout, a base model it cannot use", HUBBED, "org/a/b", "x"),
    ("a hub layout, a relative path", HUBBED[1:], None, "x"),
    ("a path's name, a step folder and a '/'", "/srv/runs/llama-ft/checkpoint-9/", None, "x"),
    ("a path's name, two trailing '/'", "/srv/runs/llama-ft//", None, "x"),
    ("a path's name at the top, a '/'", "/llama-ft/", None, "x"),
    ("a path's name, an org at the top, a '/'", "/org/llama-ft/", None, "x"),
    ("a path's name, a '/' and a weights file", "/srv/runs/llama-ft.gguf/", None, "x"),
    ("a path's name, a '/' and a skipped folder", "/srv/runs/llama-ft/merged/", None, "x"),
    ("a path's name, a '/' and a padded name", "/srv/runs/llama-ft /", None, "x"),
    ("a path's name, a '/' and a step stem alone", "/srv/runs/llama/checkpoint/", None, "x"),
]
IDS = [edge[0] for edge in EDGES]


@pytest.mark.parametrize(("note", "model_id", "base_model", "name"), EDGES, ids=IDS)
def test_insert_gives_what_the_rules_give(
    conn: Conn, note: str, model_id: str, base_model: str | None, name: str
) -> None:
    stored = insert(conn, model_id=model_id, base_model=base_model, name=name)
    twin = twin_row(model_id, base_model, name)
    rules_id, _rule, _kind = sql_normalize(conn, model_id, base_model, name, "vllm")
    assert stored["model_id"] == twin["model_id"] == rules_id, note
    assert stored["metadata"] == twin["metadata"], note


@pytest.mark.parametrize(("note", "model_id", "base_model", "name"), EDGES, ids=IDS)
def test_update_gives_what_the_rules_give(
    conn: Conn, note: str, model_id: str, base_model: str | None, name: str
) -> None:
    """A redeploy: the row had another path; the new one is kept and the old one moves to
    previous_model_path when the rules take the new one as a location."""
    row = insert(conn, model_id="/srv/old/run", base_model=base_model, name=name)
    stored = update(conn, row["id"], model_id=model_id)
    twin = twin_row(model_id, base_model, name)
    assert stored["model_id"] == twin["model_id"], note
    if "model_path" in twin["metadata"]:
        assert stored["metadata"]["model_path"] == twin["metadata"]["model_path"], note
        assert stored["metadata"]["previous_model_path"] == "/srv/old/run", note


def test_the_lane_keeps_the_trimmed_path() -> None:
    """The edges above would pass with a lane that ignores padding only if the twin did too: say
    what the rules keep, in plain values."""
    assert twin_row(PATH + " \t ", BASE, "x")["metadata"] == {"model_path": PATH}
    assert twin_row(PATH, "  " + BASE + "\n", "x")["model_id"] == BASE


# The lanes of the trigger's first tests (sql/src/30_trigger.sql): the deploy route's row (an
# absolute path, a plain org/name base model) and, since 1.20, a Hugging Face cache path and a
# path's own name ({run}/{name}/checkpoint-{N}, .../{name}; since 1.21 a hub layout's org/name
# and a trailing '/'), each with no base model. (model_id, base_model)
LANES = {
    "the base model lane": (PATH, BASE),
    "the cache lane": (CACHE, None),
    "the path-name lane": (PATHNAME, None),
    "the path-name lane, a path's name": (NAMED, None),
    "the path-name lane, a hub layout": (HUBBED, None),
    "the path-name lane, a trailing '/'": (NAMED + "/", None),
}
SAME = "the row's own path"
# What metadata a lane may meet: it takes an object without a model_path and leaves every other
# shape to the rules (a different model_path moves to previous_model_path).
METADATA: list[Any] = [
    {},
    {"run": 7},
    {"model_path": "/srv/runs/job_0/checkpoint-100"},
    {"model_path": SAME},
    {"model_path": None},
    None,
]


def _metadata(metadata: Any, path: str) -> Any:
    if isinstance(metadata, dict):
        return {k: path if v == SAME else v for k, v in metadata.items()}
    return metadata


@pytest.mark.parametrize("lane", LANES)
@pytest.mark.parametrize("metadata", METADATA, ids=[repr(m) for m in METADATA])
def test_a_lane_with_any_metadata_gives_what_the_rules_give(
    conn: Conn, lane: str, metadata: Any
) -> None:
    model_id, base_model = LANES[lane]
    metadata = _metadata(metadata, model_id)
    stored = insert(conn, model_id=model_id, base_model=base_model, name="my-ft", metadata=metadata)
    row = {"model_id": model_id, "base_model": base_model, "name": "my-ft", "provider": "vllm"}
    twin = normalize_row({**row, "metadata": metadata})
    assert (stored["model_id"], stored["metadata"]) == (twin["model_id"], twin["metadata"])
    assert stored["model_id"] != model_id  # the lane's row is rewritten


@pytest.mark.parametrize("lane", LANES)
@pytest.mark.parametrize("value", ["on", "TRUE", "yes", "1"])
def test_bypass_skips_a_lane(conn: Conn, lane: str, value: str) -> None:
    """Each lane tests the bypass itself (the long way's test comes after it)."""
    model_id, base_model = LANES[lane]
    conn.execute("select pg_catalog.set_config('llm_model_ids.bypass', %s, false)", [value])
    try:
        stored = insert(conn, model_id=model_id, base_model=base_model, metadata={})
    finally:
        conn.execute("reset llm_model_ids.bypass")
    assert (stored["model_id"], stored["metadata"]) == (model_id, {})


def test_the_cache_lane_names_the_innermost_folder() -> None:
    """The cache edges above would pass with a lane that read another folder only if the twin
    did too: say what the rules give, in plain values."""
    assert twin_row(CACHE, None, "x")["model_id"] == "Qwen/Qwen2.5-7B-Instruct"
    inner = twin_row("/hf/models--a--b\\x\\models--org--name", None, "x")
    assert inner["model_id"] == "org/name"
    assert twin_row("/hf/hub/models--org--name \t", None, "x")["metadata"] == {
        "model_path": "/hf/hub/models--org--name"
    }


def test_the_path_name_lane_names_the_folder_above_the_step() -> None:
    """The same for the path-name lane: the rules' results where it must not take the row."""
    assert twin_row(PATHNAME, None, "x")["model_id"] == "llama-ft-7"
    assert twin_row("/srv/models/org/name/global_step9", None, "x")["model_id"] == "org/name"
    assert twin_row(OLLAMA_MANIFEST, None, "x")["model_id"] == "gemma:checkpoint-1"
    assert twin_row("/c/Qwen--Qwen3/snapshots/ft/checkpoint-1", None, "x")["model_id"] == (
        "Qwen/Qwen3"
    )
    assert twin_row("/x/t/a/epoch1epochstep2globalstep3", None, "y")["model_id"] == "x"
    assert twin_row(NAMED, None, "x")["model_id"] == "llama3-legal"
    assert twin_row("/mnt/models/org/Llama-3", None, "x")["model_id"] == "org/Llama-3"
    assert twin_row("/srv/llm/llama-3.Q4_K_M.gguf", None, "x")["model_id"] == "llama-3.Q4_K_M"
    assert twin_row("/srv/runs/llama-ft/v1.2", None, "x")["model_id"] == "llama-ft"
    assert twin_row(HUBBED, None, "x")["model_id"] == "deepseek-ai/DeepSeek-R1"
    assert twin_row(HUBBED + "/step_3/", None, "x")["model_id"] == "deepseek-ai/DeepSeek-R1"
    assert twin_row("/srv/models/Qwen/Qwen3/1", None, "x")["model_id"] == "Qwen3"
    assert twin_row("/srv/models/Qwen/Qwen2___5-7B", None, "x")["model_id"] == "Qwen/Qwen2.5-7B"
    assert twin_row("/srv/runs/llama-ft/checkpoint-9/", None, "x")["metadata"] == {
        "model_path": "/srv/runs/llama-ft/checkpoint-9/"
    }
