"""Command-line options shared by `lookervault-batch simulate` and `-m` runs."""

from __future__ import annotations

import argparse
import os
import sys

from lookervault.simulator.config import (
    DEFAULT_COUNTS,
    InvalidSimulatorConfig,
    SimulatorConfig,
)
from lookervault.simulator.exports import ExportDirectoryError
from lookervault.simulator.server import serve_forever

SECRET_VARIABLE = "LOOKERVAULT_SIMULATOR_SECRET"
DEFAULT_SECRET = "simulator-secret"


def _count(text: str) -> tuple[str, int]:
    type_name, equals, number = text.partition("=")
    if not equals or not number.strip().isdigit():
        raise argparse.ArgumentTypeError(
            f"invalid count {text!r}: expected TYPE=N, e.g. dashboards=1000"
        )
    return type_name.strip(), int(number)


def _failure(text: str) -> tuple[str, str]:
    type_name, colon, object_id = text.partition(":")
    if not colon or not type_name or not object_id:
        raise argparse.ArgumentTypeError(
            f"invalid failure {text!r}: expected TYPE:ID, e.g. dashboards:7"
        )
    return type_name, object_id


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"invalid fraction {text!r}: expected a number from 0 to 1, e.g. 0.05"
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the simulator's options to ``parser``, in three help groups."""
    _add_server_options(parser.add_argument_group("server"))
    _add_content_options(parser.add_argument_group("content"))
    _add_fault_options(parser.add_argument_group("faults"))


def _add_server_options(group) -> None:
    group.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    group.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port to listen on; 0 picks a free one (default)",
    )
    group.add_argument(
        "--client-id",
        default="lookervault",
        help="API client id to accept (default: %(default)s); the "
        f"client secret comes from ${SECRET_VARIABLE} "
        f"(default: {DEFAULT_SECRET})",
    )
    group.add_argument(
        "--token-ttl",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="lifetime of access tokens in seconds (default: %(default)s)",
    )


def _add_content_options(group) -> None:
    group.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the generated content (default: %(default)s)",
    )
    group.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every default object count by this factor",
    )
    group.add_argument(
        "--count",
        type=_count,
        action="append",
        default=[],
        metavar="TYPE=N",
        help="number of objects of one type, after --scale; repeatable",
    )
    group.add_argument(
        "--small",
        action="store_true",
        help="generate tiny bodies (a few KB) for scale tests",
    )
    group.add_argument(
        "--dashboard-tiles",
        type=float,
        default=6.0,
        metavar="N",
        help="median tiles per generated dashboard (default 6, about 140 KB "
        "at the median; 2 gives about 50 KB)",
    )
    group.add_argument(
        "--from-dir",
        metavar="DIR",
        help="serve the exported JSON files under DIR as they are, "
        "instead of generated content",
    )


def _add_fault_options(group) -> None:
    group.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="milliseconds of delay added to every API response",
    )
    group.add_argument(
        "--fail",
        type=_failure,
        action="append",
        default=[],
        metavar="TYPE:ID",
        help="make one object's detail endpoint return HTTP 500; repeatable",
    )
    _add_rate_options(group)


def _add_rate_options(group) -> None:
    # Each rate's help text states what a request that draws it receives.
    group.add_argument(
        "--rate-429",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of API requests that get a 429 response with Retry-After "
        "(all but /login and /versions, drawn from --seed; the four rates "
        "add up to at most 1)",
    )
    group.add_argument(
        "--retry-after",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="Retry-After of a 429 in seconds (default: %(default)s)",
    )
    group.add_argument(
        "--retry-after-http-date",
        action="store_true",
        help="send Retry-After as an HTTP date, rounded up to a whole second",
    )
    group.add_argument(
        "--rate-5xx",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of API requests that get a 502, 503 or 504 response "
        "with an HTML page",
    )
    group.add_argument(
        "--drop-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of API responses cut off inside the body, "
        "then the connection is closed",
    )
    group.add_argument(
        "--slow-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of API responses sent only after --slow-seconds",
    )
    group.add_argument(
        "--slow-seconds",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="delay of a slow response in seconds (default: %(default)s)",
    )
    group.add_argument(
        "--hang",
        action="append",
        default=[],
        metavar="TYPE",
        help="never respond to detail requests of this content type, "
        "e.g. dashboards; repeatable",
    )
    group.add_argument(
        "--no-faults-on-listings",
        dest="faults_on_listings",
        action="store_false",
        help="spare listing requests from the rate-drawn faults above",
    )


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Build a config from parsed options; the secret comes from the environment."""
    if args.scale < 0:
        raise InvalidSimulatorConfig(f"--scale must be >= 0, not {args.scale}")
    counts = {name: round(n * args.scale) for name, n in DEFAULT_COUNTS.items()}
    counts.update(dict(args.count))
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=os.environ.get(SECRET_VARIABLE, DEFAULT_SECRET),
        seed=args.seed,
        counts=counts,
        small=args.small,
        dashboard_tiles=args.dashboard_tiles,
        latency_ms=args.latency_ms,
        token_ttl_s=args.token_ttl,
        from_dir=args.from_dir,
        fail=tuple(args.fail),
        rate_429=args.rate_429,
        retry_after_s=args.retry_after,
        retry_after_http_date=args.retry_after_http_date,
        rate_5xx=args.rate_5xx,
        drop_rate=args.drop_rate,
        slow_rate=args.slow_rate,
        slow_s=args.slow_seconds,
        hang_types=tuple(args.hang),
        faults_on_listings=args.faults_on_listings,
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM; return the exit status.

    Prints one line with the base URL and client id on stdout once listening.
    Returns 0 after a normal stop, 2 for invalid options and 1 when the
    server cannot listen.
    """
    try:
        config = config_from_args(args)
        config.validate()
    except InvalidSimulatorConfig as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    def announce(base_url: str) -> None:
        print(
            f"Looker API simulator listening on {base_url} "
            f"client_id={config.client_id}",
            flush=True,
        )

    try:
        serve_forever(config, ready=announce)
    except KeyboardInterrupt:
        # Ctrl-C while the content is still being indexed: a normal stop too.
        return 0
    except ExportDirectoryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"error: cannot listen on {config.host}:{config.port}: "
            f"{error.strerror or error}",
            file=sys.stderr,
        )
        return 1
    return 0
