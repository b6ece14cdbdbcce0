"""Run the simulator in the current process until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

import orjson

from lookervault.simulator.api import Api
from lookervault.simulator.auth import Tokens
from lookervault.simulator.config import SimulatorConfig
from lookervault.simulator.exports import export_tables
from lookervault.simulator.faults import Faults
from lookervault.simulator.generate import GeneratedContent, access
from lookervault.simulator.http import Counters, HttpProtocol
from lookervault.simulator.mutate import Mutator
from lookervault.simulator.record import Record
from lookervault.simulator.store import ObjectStore

logger = logging.getLogger(__name__)

# Connections get this long to flush what was already written at shutdown.
_DRAIN_TIMEOUT_S = 1.0


def build_store(config: SimulatorConfig) -> tuple[ObjectStore, Mutator]:
    """Index the configured content: an export directory or generated objects.

    Return the store and the mutator that changes its content.
    """
    if config.from_dir is not None:
        tables = export_tables(config.from_dir)
        user = orjson.dumps(access.service_user_body(config.client_id))
        store = ObjectStore(tables, lambda: user)
        return store, Mutator(store, None)
    content = GeneratedContent(
        config.seed,
        config.counts,
        config.small,
        config.client_id,
        dashboard_tiles=config.dashboard_tiles,
    )
    store = ObjectStore(content.tables, content.api_user)
    return store, Mutator(store, content.create)


def build_faults(config: SimulatorConfig) -> Faults:
    return Faults(
        latency_s=config.latency_ms / 1000.0,
        fail=frozenset(
            (type_name, str(object_id)) for type_name, object_id in config.fail
        ),
        seed=config.seed,
        rate_429=config.rate_429,
        retry_after_s=config.retry_after_s,
        retry_after_http_date=config.retry_after_http_date,
        rate_5xx=config.rate_5xx,
        drop_rate=config.drop_rate,
        slow_rate=config.slow_rate,
        slow_s=config.slow_s,
        hang_types=frozenset(config.hang_types),
        corrupt=tuple((t, str(i), kind) for t, i, kind in config.corrupt),
        forbid_types=frozenset(config.forbid_types),
        faults_on_listings=config.faults_on_listings,
    )


def build_api(config: SimulatorConfig, counters: Counters) -> Api:
    tokens = Tokens(config.client_id, config.client_secret, config.token_ttl_s)
    store, mutator = build_store(config)
    return Api(store, tokens, build_faults(config), Record(), counters, mutator)


def serve_forever(
    config: SimulatorConfig, ready: Callable[[str], None] | None = None
) -> None:
    """Serve the simulated Looker API until SIGTERM or SIGINT, then return.

    ``ready`` is called with the base URL (``http://HOST:PORT``, no ``/api``)
    once the server is listening.  SIGINT stops the server unless it is
    ignored when this is called, which is how a child process leaves Ctrl-C
    to its parent.  Must run in the main thread, which receives signals.
    Raises ``InvalidSimulatorConfig`` for bad settings and ``OSError`` when
    the address cannot be bound.
    """
    config.validate()
    asyncio.run(_serve(config, ready))


async def _serve(config: SimulatorConfig, ready) -> None:
    loop = asyncio.get_running_loop()
    counters = Counters()
    api = build_api(config, counters)
    connections: set[HttpProtocol] = set()
    server = await loop.create_server(
        lambda: HttpProtocol(api, counters, connections),
        config.host,
        config.port,
        backlog=1024,
    )
    port = server.sockets[0].getsockname()[1]
    api.base_url = f"http://{config.host}:{port}"
    stop = asyncio.Event()
    _stop_on_signals(loop, stop)
    total = sum(len(table) for table in api.store.tables.values())
    logger.info("Looker simulator listening on %s with %d objects", api.base_url, total)
    if ready is not None:
        ready(api.base_url)
    await stop.wait()
    await _shut_down(server, connections)
    logger.info("Looker simulator on %s stopped", api.base_url)


def _stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    signals = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signals.append(signal.SIGINT)
    for number in signals:
        loop.add_signal_handler(number, stop.set)


async def _shut_down(server: asyncio.Server, connections: set) -> None:
    server.close()
    for connection in list(connections):
        connection.close()
    await server.wait_closed()
    deadline = asyncio.get_running_loop().time() + _DRAIN_TIMEOUT_S
    while connections and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
