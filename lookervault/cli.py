"""The ``lookervault-batch`` command line.

Every expected failure is a :class:`LookerVaultError`; :func:`main` prints it
as one line on stderr and returns its exit code.  Results (summaries, lists,
bodies, ``--json``) go to stdout; logs and progress go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

from lookervault import __version__
from lookervault.commands import COMMANDS
from lookervault.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    LookerVaultError,
)

log = logging.getLogger("lookervault")

PROG = "lookervault-batch"


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    # Until a run installs its own handler, SIGTERM stops like Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        return args.handler(args)
    except LookerVaultError as exc:
        if args.debug:
            log.exception("%s failed", args.command)
        return _report_error(args, str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return _report_error(args, "interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # A reader such as `head` closed stdout early; that is not an error.
        sys.stderr.close()
        return 0


def _report_error(args, message: str, exit_code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        # A script parsing --json output gets a JSON document on every exit.
        print(json.dumps({"error": message, "exit_code": exit_code}, indent=2))
    return exit_code


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, with the exit code 2.

    ``arguments(parser)``, when given, adds the arguments the first time the
    parser is used, so that a command whose options need a heavy import
    costs nothing to the others.
    """

    def __init__(self, *args, arguments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._arguments = arguments

    def parse_known_args(self, args=None, namespace=None):
        if self._arguments is not None:
            add, self._arguments = self._arguments, None
            add(self)
        return super().parse_known_args(args, namespace)

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see --help\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand."""
    parser = _Parser(
        prog=PROG, description="Back up a whole Looker instance into one SQLite file."
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for command in COMMANDS:
        command.register(commands)
    return parser


class _TqdmHandler(logging.Handler):
    """Write log records through tqdm, so they never tear a progress bar.

    Only a run that draws bars imports tqdm (batch/progress.py); until then
    there is no bar to protect, and records go straight to stderr.
    """

    def emit(self, record):
        try:
            text = self.format(record)
            tqdm = sys.modules.get("tqdm")
            if tqdm is None:
                print(text, file=sys.stderr)
            else:
                tqdm.tqdm.write(text, file=sys.stderr)
        except Exception:
            self.handleError(record)


def _configure_logging(args) -> None:
    level = (
        logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    )
    handler = _TqdmHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # urllib3 logs every connection at DEBUG; keep it for --debug only.
    logging.getLogger("urllib3").setLevel(level if args.debug else logging.WARNING)
    # looker-sdk logs every request at INFO.
    logging.getLogger("looker_sdk").setLevel(logging.WARNING)
