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
from pathlib import Path

from tqdm import tqdm

from lookervault import __version__, catalog
from lookervault.config import MAX_PROCESSES, MAX_THREADS
from lookervault.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    LookerVaultError,
    UsageError,
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
        # A script parsing --json output gets an answer on every exit.
        print(json.dumps({"error": message, "exit_code": exit_code}, indent=2))
    return exit_code


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, with the exit code 2."""

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
    _add_run(commands)
    _add_simulate(commands)
    _add_snapshots(commands)
    _add_list(commands)
    _add_show(commands)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debug", action="store_true", help="log every request and show tracebacks"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="log warnings and errors only"
    )


def _add_run(commands) -> None:
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
        "--no-progress",
        action="store_true",
        help="draw no progress bars and log no progress lines",
    )
    _common(parser)
    parser.set_defaults(handler=_run)


def _add_simulate(commands) -> None:
    from lookervault.simulator import add_arguments

    parser = commands.add_parser(
        "simulate",
        help="serve a simulated Looker instance on 127.0.0.1",
        description="Serve a simulated Looker API 4.0 instance until Ctrl-C. The "
        "client secret is read from LOOKERVAULT_SIMULATOR_SECRET.",
    )
    add_arguments(parser)
    _common(parser)
    parser.set_defaults(handler=_simulate)


def _add_snapshots(commands) -> None:
    parser = commands.add_parser("snapshots", help="list the snapshots in a database")
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument("--json", action="store_true", help="print JSON")
    _common(parser)
    parser.set_defaults(handler=_snapshots)


def _add_list(commands) -> None:
    parser = commands.add_parser("list", help="list the objects in a snapshot")
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "type",
        metavar="TYPE",
        nargs="?",
        choices=catalog.TYPE_NAMES,
        help="only this content type",
    )
    parser.add_argument(
        "--snapshot", type=int, metavar="N", help="snapshot id (default: the latest)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    _common(parser)
    parser.set_defaults(handler=_list)


def _add_show(commands) -> None:
    parser = commands.add_parser(
        "show",
        help="write one stored body to stdout",
        description="Write the body stored for one object, "
        "byte for byte as Looker sent it, to stdout.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "type",
        metavar="TYPE",
        choices=catalog.TYPE_NAMES,
        help="content type, such as dashboards",
    )
    parser.add_argument("id", metavar="ID", help="object id")
    parser.add_argument(
        "--snapshot", type=int, metavar="N", help="snapshot id (default: the latest)"
    )
    _common(parser)
    parser.set_defaults(handler=_show)


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
    )
    summary = run_backup(run_config, options)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        print(summary.as_text())
    return summary.exit_code


def _check_range(flag: str, value: int | None, maximum: int) -> None:
    if value is not None and not 1 <= value <= maximum:
        raise UsageError(f"{flag} {value} is out of range; use 1 to {maximum}")


def _simulate(args) -> int:
    from lookervault.simulator import run_from_args

    return run_from_args(args)


def _snapshots(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(args.database)
    rows = reader.snapshots(conn)
    if args.json:
        print(json.dumps([row.as_dict() for row in rows], indent=2))
        return 0
    print(
        f"{'id':>4}  {'started (UTC)':<25} {'status':<11} {'objects':>8} "
        f"{'failed':>7}  instance"
    )
    for row in rows:
        totals = row.counts.get("totals", {})
        print(
            f"{row.id:>4}  {row.started_at:<25} {row.status:<11} "
            f"{totals.get('stored', 0):>8} {totals.get('failed', 0):>7}  "
            f"{row.instance_url}"
        )
    return 0


def _list(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(args.database)
    snapshot_id = reader.resolve_snapshot(conn, args.snapshot)
    for kind, object_id, title, folder_id, updated_at, size, sha in reader.entries(
        conn, snapshot_id, args.type
    ):
        if args.json:
            print(
                json.dumps(
                    {
                        "type": kind,
                        "id": object_id,
                        "title": title,
                        "folder_id": folder_id,
                        "updated_at": updated_at,
                        "size": size,
                        "sha256": sha,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(f"{kind}\t{object_id}\t{title or ''}\t{size}")
    return 0


def _show(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(args.database)
    snapshot_id = reader.resolve_snapshot(conn, args.snapshot)
    data = reader.body(conn, snapshot_id, args.type, args.id)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


class _TqdmHandler(logging.Handler):
    """Write log records through tqdm, so they never tear a progress bar."""

    def emit(self, record):
        try:
            tqdm.write(self.format(record), file=sys.stderr)
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
