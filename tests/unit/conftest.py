"""tests/unit runs without PostgreSQL. The server fixtures of tests/conftest.py start a server
lazily, for the first test that asks for one; here asking is a failure, so `pytest tests/unit`
never starts one (db, bare_db, conn, templates... all depend on pg_server)."""

from __future__ import annotations

from typing import NoReturn

import pytest


@pytest.fixture(scope="session")
def pg_server() -> NoReturn:
    pytest.fail(
        "tests/unit runs without a PostgreSQL server: a test that needs one belongs in tests/",
        pytrace=False,
    )
