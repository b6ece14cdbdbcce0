"""``python -m lookervault.simulator``: serve a simulated Looker API 4.0."""

import argparse
import logging

from lookervault.simulator.cli import add_arguments, run_from_args


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lookervault.simulator",
        description="Serve a simulated Looker API 4.0 on a local port, with "
        "generated content or a directory of exported JSON files.",
    )
    add_arguments(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    return run_from_args(args)


raise SystemExit(main())
