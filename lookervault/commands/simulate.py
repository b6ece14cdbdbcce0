"""The ``simulate`` command: serve a simulated Looker instance."""

from __future__ import annotations

from lookervault.commands.common import add_common_options


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "simulate",
        help="serve a simulated Looker instance on 127.0.0.1",
        description="Serve a simulated Looker API 4.0 instance until Ctrl-C. The "
        "client secret is read from LOOKERVAULT_SIMULATOR_SECRET.",
        # The options come from the simulator, whose import takes 0.08 s of
        # CPU; only this command pays for it.
        arguments=_add_arguments,
    )
    parser.set_defaults(handler=_simulate)


def _add_arguments(parser) -> None:
    from lookervault.simulator import add_arguments

    add_arguments(parser)
    add_common_options(parser)


def _simulate(args) -> int:
    from lookervault.simulator import run_from_args

    return run_from_args(args)
