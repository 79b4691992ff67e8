"""Events name the fleet target they were emitted for, per thread."""

from __future__ import annotations

import threading

from buildamp.events import bus


def test_target_is_per_thread_and_scoped() -> None:
    assert bus.Event(bus.APPLIED).payload()["target"] is None
    seen: dict[str, str | None] = {}

    def work(name: str) -> None:
        with bus.for_target(name):
            barrier.wait()  # both threads inside their block at once
            seen[name] = bus.Event(bus.APPLIED).target

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=work, args=(n,)) for n in ("eu-1", "us-1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"eu-1": "eu-1", "us-1": "us-1"}
    with bus.for_target("eu-1"):
        assert bus.Event(bus.FAILED).payload()["target"] == "eu-1"
    assert bus.Event(bus.FAILED).target is None
