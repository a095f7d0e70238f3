"""The app as a real server process serves it in the race tests: test settings,
the database and instance given by the environment, and the app's one clock frozen
at 09:00 village time on the given date (as the `freeze` fixture does in-process)."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from config import TestConfig
from desa import create_app
from desa.core import clock

_TODAY = dt.date.fromisoformat(os.environ["DESA_TEST_TODAY"])
_ZONE = ZoneInfo("Asia/Pontianak")  # Desa Merubung's zone

app = create_app(TestConfig(dict(os.environ)))
clock.freeze(app, dt.datetime.combine(_TODAY, dt.time(9, 0), tzinfo=_ZONE))
