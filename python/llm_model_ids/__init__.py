"""llm-model-ids."""
