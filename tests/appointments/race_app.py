"""The app as a real server process serves it in the race tests: test settings,
the database and instance given by the environment, and a frozen village date."""

from __future__ import annotations

import datetime as dt
import os

from config import TestConfig
from desa import create_app
from desa.core import village

_TODAY = dt.date.fromisoformat(os.environ["DESA_TEST_TODAY"])
village.village_today = lambda: _TODAY

app = create_app(TestConfig(dict(os.environ)))
