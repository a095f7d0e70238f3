"""Waiting, with a deadline, for what another OS process does.

Inside the test process a test waits on what the code under test signals (a
threading.Event, a Condition), never on the clock. Another process signals
nothing this one can block on except its exit and its output, so a change it
makes elsewhere (a file it rewrites) is polled here, briefly, within a deadline:
the only polling the tests do.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_INTERVAL = 0.01  # seconds between two looks at another process's work


def wait_until(predicate: Callable[[], T], timeout: float, what: str) -> T:
    """Calls `predicate` until it returns something true, and returns that.

    Only for a condition another OS process brings about; fails after `timeout`
    seconds with `what` (what was waited for) in the message.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(POLL_INTERVAL)  # another process: nothing here to block on


def wait_for_exit(pid: int, timeout: float, what: str) -> None:
    """Blocks until process `pid` has ended (reaping it if it is our child).

    Waits on a pidfd, which becomes readable when the process ends: no polling.
    """
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # ended and already reaped
    try:
        ended, _, _ = select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    if not ended:
        raise AssertionError(f"waited {timeout:g} s for {what} to end")
    with contextlib.suppress(ChildProcessError):  # not our child: nothing to reap
        os.waitpid(pid, 0)
