"""Bodies compressed on many threads at once come back byte for byte."""

from __future__ import annotations

import threading

from lookervault.store import codecs


def test_compress_from_many_threads_round_trips():
    bodies = [
        (b'{"id": "%d", "title": "dashboard %d", "tiles": [' % (n, n))
        + b'{"x": 1},' * n
        + b"{}]}"
        for n in range(200)
    ]
    results: dict[int, list[bytes]] = {}

    def work(thread: int) -> None:
        results[thread] = [codecs.compress(body) for body in bodies]

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    decode = codecs.DECODERS[codecs.CODEC]
    for compressed in results.values():
        assert [decode(data) for data in compressed] == bodies
    assert len(results[0][-1]) < len(bodies[-1]) / 5
