"""A Looker API 4.0 simulator: the endpoints a backup uses, over real HTTP.

Start one in a child process::

    with SimulatorProcess(SimulatorConfig(counts={"dashboards": 10})) as sim:
        ...  # log in at sim.base_url with the config's client id and secret
        sim.record()  # what was served, with each body's sha256

or serve in the current process with :func:`serve_forever`.  The record,
inventory, stats and request log are also served over HTTP under
``/__simulator/``, where ``POST /__simulator/mutate`` changes the content
(``sim.mutate()``).  The config's fault settings make a share of requests
fail with 429, 5xx, dropped connections, slow responses or hangs.
"""

from lookervault.simulator.cli import add_arguments, run_from_args
from lookervault.simulator.config import (
    DEFAULT_COUNTS,
    InvalidSimulatorConfig,
    SimulatorConfig,
)
from lookervault.simulator.process import SimulatorProcess, SimulatorStartFailed
from lookervault.simulator.server import serve_forever

__all__ = [
    "DEFAULT_COUNTS",
    "InvalidSimulatorConfig",
    "SimulatorConfig",
    "SimulatorProcess",
    "SimulatorStartFailed",
    "add_arguments",
    "run_from_args",
    "serve_forever",
]
