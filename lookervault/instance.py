"""Which Looker a run talks to: the configured instance, or a bundled simulator."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets

from lookervault.config import Credentials, RunConfig
from lookervault.errors import ConfigInvalid, LookerUnreachable
from lookervault.looker.settings import resolve_credentials

log = logging.getLogger(__name__)

SIMULATOR_CLIENT_ID = "lookervault-demo"
# The variable in which looker-sdk users keep the API secret.
SECRET_VARIABLES = ("LOOKERSDK_CLIENT_SECRET",)


@contextlib.contextmanager
def looker_instance(config: RunConfig):
    """Yield credentials: a started simulator's, or the configured instance's.

    While the block runs, the client secret is out of the environment that
    child processes inherit (see :func:`_secret_kept_from_children`).
    """
    if config.simulator is None:
        credentials = resolve_credentials(config)
        with _secret_kept_from_children():
            yield credentials
        return
    with _secret_kept_from_children():
        with _simulator_credentials(config) as credentials:
            yield credentials


@contextlib.contextmanager
def _secret_kept_from_children():
    """Take the client secret out of the environment, and put it back after.

    Every process a run starts (the simulator, the Manager, the workers, the
    resource tracker) inherits ``os.environ``, and none of them needs the
    secret: the parent has read it and alone logs in.
    """
    saved = {
        name: os.environ.pop(name) for name in SECRET_VARIABLES if name in os.environ
    }
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def _simulator_credentials(config: RunConfig):
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
