"""Options every command shares."""

from __future__ import annotations

import argparse


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Add --debug and --quiet to a command's parser."""
    parser.add_argument(
        "--debug", action="store_true", help="log at DEBUG level and show tracebacks"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="log warnings and errors only"
    )
