"""The `llm-model-ids` command: exit 0 ok, 1 failure (one line on stderr), 2 usage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from llm_model_ids import __version__
from llm_model_ids.commands import COMMANDS
from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError


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
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except LlmModelIdsError as exc:
        print(f"llm-model-ids {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"llm-model-ids {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unexpected database error: still one line
        print(
            f"llm-model-ids {args.command}: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr
        )
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
