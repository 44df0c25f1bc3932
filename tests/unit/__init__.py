"""Tests that need no PostgreSQL server (``pytest tests/unit``, ``make unit``): seconds.

A package (``unit``), so that a file here may share its name with one in tests/."""
