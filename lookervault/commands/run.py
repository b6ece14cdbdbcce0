"""The ``run`` command: back up an instance, or continue its unfinished snapshot."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from lookervault.commands.common import add_common_options
from lookervault.config import MAX_PROCESSES, MAX_THREADS
from lookervault.errors import UsageError


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "run",
        help="back up an instance as a config file says",
        description="Back up every content type of the Looker "
        "instance that CONFIG names into its SQLite database.",
    )
    parser.add_argument("config", metavar="CONFIG", help="path of the TOML config file")
    parser.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help=f"worker processes, 1 to {MAX_PROCESSES} (default: one "
        "per CPU, at most 8)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="M",
        help=f"threads per worker process, 1 to {MAX_THREADS} (default 8)",
    )
    parser.add_argument(
        "--database",
        metavar="PATH",
        help="SQLite file to write (default: [backup] database)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as JSON on stdout"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="begin a new snapshot even if the last one was interrupted "
        "(by default a run continues it)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="fetch every object, even those whose updated_at has not changed "
        "since the last snapshot",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="draw no progress bars and log no progress lines",
    )
    add_common_options(parser)
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from lookervault import config
    from lookervault.backup import RunOptions, run_backup

    _check_range("--processes", args.processes, MAX_PROCESSES)
    _check_range("--threads", args.threads, MAX_THREADS)
    # A path typed on the command line is relative to where it was typed.
    database = str(Path(args.database).absolute()) if args.database else None
    overrides = {
        "processes": args.processes,
        "threads": args.threads,
        "database": database,
    }
    run_config = config.load(args.config, overrides)
    options = RunOptions(
        progress=not args.no_progress and not args.quiet,
        log_level=logging.getLogger().level,
        fresh=args.fresh,
        full=args.full,
    )
    summary = run_backup(run_config, options)
    text = json.dumps(summary.as_dict(), indent=2) if args.json else summary.as_text()
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # A reader such as `head` closed stdout early.  The run's outcome
        # still sets the exit code; Python would fail again flushing at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return summary.exit_code


def _check_range(flag: str, value: int | None, maximum: int) -> None:
    if value is not None and not 1 <= value <= maximum:
        raise UsageError(f"{flag} {value} is out of range; use 1 to {maximum}")
