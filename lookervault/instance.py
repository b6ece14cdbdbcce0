"""Which Looker a run talks to: the configured instance, or a bundled simulator."""

from __future__ import annotations

import contextlib
import logging
import secrets

from lookervault.config import Credentials, RunConfig
from lookervault.errors import ConfigInvalid, LookerUnreachable
from lookervault.looker.settings import resolve_credentials

log = logging.getLogger(__name__)

SIMULATOR_CLIENT_ID = "lookervault-demo"


@contextlib.contextmanager
def looker_instance(config: RunConfig):
    """Yield credentials: a started simulator's, or the configured instance's."""
    if config.simulator is None:
        yield resolve_credentials(config)
        return
    simulator, secret = _start_simulator(config)
    try:
        yield Credentials(
            simulator.base_url,
            SIMULATOR_CLIENT_ID,
            secret,
            verify_ssl=True,
            timeout=30,
            name=_simulator_name(config),
        )
    finally:
        simulator.stop()


def _simulator_name(config: RunConfig) -> str:
    settings = config.simulator
    return f"lookervault simulator (seed {settings.seed}, scale {settings.scale:g})"


def _start_simulator(config: RunConfig):
    from lookervault.simulator import (
        InvalidSimulatorConfig,
        SimulatorConfig,
        SimulatorProcess,
        SimulatorStartFailed,
    )

    settings = config.simulator
    counts = {k: round(v * settings.scale) for k, v in SimulatorConfig().counts.items()}
    counts.update(settings.counts)
    # A one-time secret: the demo needs no credentials in its config file.
    secret = secrets.token_urlsafe(24)
    simulator_config = SimulatorConfig(
        client_id=SIMULATOR_CLIENT_ID,
        client_secret=secret,
        seed=settings.seed,
        counts=counts,
        small=settings.small,
        latency_ms=settings.latency_ms,
        fail=settings.fail,
    )
    # One group-values object per user attribute comes on top of the counts.
    objects = sum(counts.values()) + counts.get("user_attributes", 0)
    log.info("starting the Looker simulator (%d objects)", objects)
    try:
        return SimulatorProcess(simulator_config).start(), secret
    except InvalidSimulatorConfig as exc:
        raise ConfigInvalid(f"{config.path}: [simulator] {exc}") from None
    except SimulatorStartFailed as exc:
        raise LookerUnreachable(f"the simulator did not start: {exc}") from None
