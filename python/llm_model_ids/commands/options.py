"""Options and argument types the commands share: the one place they are defined. Usage
errors (a bad value, flags that would be ignored) exit 2."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable, Sequence
from typing import Final, NoReturn

from rich.console import Console

from llm_model_ids.batches import DEFAULT_BATCH_SIZE, DEFAULT_LOCK_TIMEOUT
from llm_model_ids.connection import DSN_HELP

_DURATION: Final = re.compile(r"\s*[0-9]+(\.[0-9]+)?\s*(us|ms|s|min|h|d)?\s*")
_URL_PASSWORD: Final = re.compile(r"(://[^:/@?#]*:)[^@/?#]*@")
_KEYWORD_PASSWORD: Final = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, not {text}")
    return value


def lock_timeout(text: str) -> str:
    """A PostgreSQL duration such as 2s, 500ms, 1min (a bare number is milliseconds)."""
    if not _DURATION.fullmatch(text) or float(re.sub(r"[^0-9.]", "", text)) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive duration like 2s or 500ms: {text!r}")
    return text.strip()


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """--batch-size and --lock-timeout; both None when not given (see :func:`batch_size`)."""
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help=f"rows per batch, each its own transaction (default {DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument(
        "--lock-timeout",
        type=lock_timeout,
        default=None,
        help=f"SET LOCAL lock_timeout of each batch (default {DEFAULT_LOCK_TIMEOUT})",
    )


def batch_size(args: argparse.Namespace) -> int:
    return int(args.batch_size) if args.batch_size is not None else DEFAULT_BATCH_SIZE


def batch_lock_timeout(args: argparse.Namespace) -> str:
    return str(args.lock_timeout) if args.lock_timeout is not None else DEFAULT_LOCK_TIMEOUT


def add_show(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--show",
        type=positive_int,
        default=None,
        help=f"{what} shown by --dry-run (default 10; only with --dry-run)",
    )


def set_run(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int]) -> None:
    """The command's run function, and its parser's error() for usage errors found later."""
    parser.set_defaults(run=run, usage_error=parser.error)


def usage_error(args: argparse.Namespace, message: str) -> NoReturn:
    """Print the usage and ``llm-model-ids COMMAND: error: message``; exit 2."""
    args.usage_error(message)
    raise AssertionError("unreachable")  # parser.error exits


def refuse_ignored(args: argparse.Namespace, flags: Sequence[str], *, because: str) -> None:
    """A usage error (exit 2) when one of ``flags`` (argparse dests) was given: it would be
    ignored ``because`` (e.g. "with --dry-run")."""
    given = [f"--{flag.replace('_', '-')}" for flag in flags if getattr(args, flag) is not None]
    if given:
        usage_error(args, f"{', '.join(given)} would be ignored {because}")


def hide_password(dsn: str) -> str:
    """A connection string safe to print: the password replaced by ****."""
    dsn = _URL_PASSWORD.sub(r"\1****@", dsn)
    return _KEYWORD_PASSWORD.sub(r"\1****", dsn)


def command_line(command: str, args: argparse.Namespace, options: Sequence[str]) -> str:
    """``llm-model-ids COMMAND --option value ...`` for the ``options`` (argparse dests) that
    were given, quoted for a POSIX shell; --dsn with its password hidden."""
    words = ["llm-model-ids", command]
    dsn = getattr(args, "dsn", None)
    if dsn:
        words += ["--dsn", hide_password(dsn)]
    for option in options:
        value = getattr(args, option)
        if value is None or value is False:
            continue
        flag = f"--{option.replace('_', '-')}"
        if value is True:
            words.append(flag)
        elif isinstance(value, tuple | list):
            words += [flag, ",".join(str(item) for item in value)]
        elif isinstance(value, float):
            words += [flag, f"{value:g}"]
        else:
            words += [flag, str(value)]
    return shlex.join(words)


def add_dsn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dsn", help=DSN_HELP, default=None)


def add_dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="do everything in a transaction that is rolled back; nothing is kept",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


EXIT_INTERRUPTED: Final = 130


def interrupted(
    err: Console, command: str, args: argparse.Namespace, options: Sequence[str], batches: int
) -> int:
    """Ctrl-C during batches: say what was kept and the exact command that resumes (stderr)."""
    err.print(
        f"llm-model-ids {command}: interrupted; {batches:,} batch(es) committed and kept, the "
        f"batch in progress rolled back. To resume, run: {command_line(command, args, options)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return EXIT_INTERRUPTED
