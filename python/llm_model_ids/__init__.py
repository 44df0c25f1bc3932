"""llm-model-ids: keep ``llm_models.model_id`` readable and never lose the weights' load path.

The rules live in SQL (``sql/llm_model_ids.sql``); :func:`normalize` is their Python twin for
application code, and :func:`load_path` is the launcher's side.
"""

from __future__ import annotations

from llm_model_ids.rules import Normalized, load_path, normalize, normalize_row

__version__ = "1.21.0"
__all__ = ["Normalized", "__version__", "load_path", "normalize", "normalize_row"]
