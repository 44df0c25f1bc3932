"""The `llm-model-ids` command: exit 0 ok, 1 failure (one line on stderr), 2 usage."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

import psycopg

from llm_model_ids import __version__
from llm_model_ids.commands import COMMANDS
from llm_model_ids.connection import error_text
from llm_model_ids.errors import LlmModelIdsError

EXIT_BROKEN_PIPE = 141  # as a shell reports a command killed by SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-model-ids",
        description="Keep llm_models.model_id readable; keep the weights' path in metadata.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Results go to stdout; every error goes to stderr as one line that keeps
    PostgreSQL's DETAIL and HINT and says which command fixes a missing or older install."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except LlmModelIdsError as exc:
        return _fail(args.command, str(exc))
    except psycopg.Error as exc:
        return _fail(args.command, database_error(exc))
    except BrokenPipeError:  # `| head` closed the pipe: stop quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return _fail(args.command, "interrupted", code=130)
    except Exception as exc:  # a bug: still one line, without a traceback
        return _fail(args.command, f"unexpected error: {' '.join(str(exc).split()) or exc!r}")
    return code


def database_error(exc: psycopg.Error) -> str:
    """A PostgreSQL error on one line, with the command that fixes a missing or old install."""
    text = error_text(exc)
    if isinstance(exc, psycopg.errors.InvalidSchemaName) and "llm_model_ids" in text:
        return f"{text}: llm-model-ids is not installed here (run: llm-model-ids install)"
    if isinstance(exc, psycopg.errors.UndefinedFunction) and "llm_model_ids." in text:
        return f"{text}: the installed llm-model-ids is older (run: llm-model-ids install)"
    return text


def _fail(command: str, message: str, *, code: int = 1) -> int:
    with contextlib.suppress(BrokenPipeError):
        print(f"llm-model-ids {command}: {message}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    """After EPIPE, Python would fail again flushing stdout at exit: point it at /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    raise SystemExit(main())
