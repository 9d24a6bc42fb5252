"""A pool of warm sandboxes: each item is handed once to one of N fork servers, one thread each."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from autograder.sandbox.client import Sandbox

UID_BASE = 64000  # sandbox uids: grade uses UID_BASE + i, validate + 300, Dask workers + 200..699
T = TypeVar("T")


def run_pool(
    items: Sequence[T], handle: Callable[[Sandbox, T], None], *, jobs: int, uid_base: int = UID_BASE
) -> None:
    """Hand each item once to one of `jobs` warm sandboxes (each in its own thread). The first
    exception a handler raises stops the pool and is raised here; finished items stay finished."""
    work: queue.Queue[T] = queue.Queue()
    for item in items:
        work.put(item)
    sandboxes = [Sandbox(uid=uid_base + i) for i in range(max(1, min(jobs, len(items))))]
    for sandbox in sandboxes:
        sandbox.spawn()  # they warm up together
    errors: list[BaseException] = []

    def worker(sandbox: Sandbox) -> None:
        with sandbox:
            while not errors:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    handle(sandbox, item)
                except BaseException as exc:
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in sandboxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
