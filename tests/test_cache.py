"""The byte-bounded LRU of rendered representations under racing threads (gthread workers).

Contract (server/cache.py): whatever threads put and get at once, the bytes held (``total``, as
any thread reads it at any moment) never exceed the budget, ``total`` is the sum of the sizes of
the entries held, and ``get`` returns the value last put under its key or nothing.
"""

from __future__ import annotations

import random
import sys
import threading

from server.publish.cache import ByteLRU

BUDGET = 10_000
KEYS = 500
PUTS = 3_000


def test_total_never_exceeds_the_budget_while_threads_put_and_get():
    """Regression (issue 15 §5): a put added its entry before evicting others, so ``total``
    read mid-put (without the lock) exceeded the budget. Threads switch every microsecond
    here, so an observer sees every intermediate state a put exposes."""
    cache = ByteLRU(BUDGET)
    seen: list[int] = []
    wrong: list[str] = []
    done = threading.Event()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(PUTS):
            key = rng.randrange(KEYS)
            # mostly small entries, now and then one that evicts dozens of them
            size = (
                rng.randrange(BUDGET // 2, BUDGET) if rng.random() < 0.05 else rng.randrange(1, 200)
            )
            cache.put(key, (key, size), size)
            value = cache.get(rng.randrange(KEYS))
            if value is not None and not isinstance(value, tuple):
                wrong.append(repr(value))

    def reader() -> None:
        for key in range(KEYS):
            value = cache.get(key)
            if value is not None and value[0] != key:
                wrong.append(f"key {key} holds the value of key {value[0]}")

    def observer() -> None:
        while not done.is_set():
            seen.append(cache.total)

    def checker() -> None:
        while not done.is_set():
            reader()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        watching = [threading.Thread(target=f) for f in (observer, observer, checker)]
        writing = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
        for thread in watching + writing:
            thread.start()
        for thread in writing:
            thread.join()
        done.set()
        for thread in watching:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert len(seen) > 1000, "the observers barely ran"
    assert max(seen) <= BUDGET, f"total read {max(seen)} bytes, over the {BUDGET}-byte budget"
    assert wrong == []
    with cache._lock:  # the invariant at rest, under the cache's own lock
        sizes = [size for _, size in cache._entries.values()]
        held = {key: value for key, (value, _) in cache._entries.items()}
        assert sum(sizes) == cache._total <= BUDGET
    assert all(value[0] == key for key, value in held.items())
    assert all(cache.get(key) == value for key, value in held.items())


def test_a_value_replacing_a_larger_one_is_kept_and_counted_once():
    cache = ByteLRU(100)
    cache.put("a", "A", 90)
    cache.put("a", "A2", 30)
    cache.put("b", "B", 70)
    assert (cache.get("a"), cache.get("b"), cache.total, len(cache)) == ("A2", "B", 100, 2)
    cache.put("c", "C", 1)  # evicts the least recently used (a) only
    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.total) == (None, "B", "C", 71)
