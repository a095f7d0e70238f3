"""Shared helpers for the benchmark scripts: a throwaway instance, the engine to run
on, and figure lines.

Every script takes `--database-url URL` and `--small`:

- `--database-url sqlite` (the default) runs on a fresh SQLite file in the
  instance; `--database-url postgresql+psycopg://user@host:port/anything` creates a
  throwaway database `desa_bench_<pid>` on that server, runs there and drops it
  afterwards (the database named in the URL is only used to connect).
- `--small` runs each script at a size that takes seconds, for CI: the figures
  are printed the same way, but their targets are the full-size ones' and say
  little at that size; what CI checks is that every script runs on both engines.
"""

from __future__ import annotations

import argparse
import atexit
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_ENGINE_HELP = (
    "sqlite (default) or a PostgreSQL URL; on PostgreSQL a throwaway database is "
    "created on that server and dropped afterwards"
)


def add_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every bench script takes (see the module docstring)."""
    parser.add_argument("--database-url", default="sqlite", help=_ENGINE_HELP)
    parser.add_argument(
        "--small", action="store_true", help="a size that takes seconds (for CI)"
    )
    return parser


def _requested_url(argv: list[str]) -> str:
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--database-url", default="sqlite")
    return early.parse_known_args(argv)[0].database_url


def figure(
    name: str, value: float, unit: str, target: float, higher_is_better: bool = False
):
    """Prints `name: value unit (target ≤ X) ok|MISS` and returns whether it met the target."""
    ok = value >= target if higher_is_better else value <= target
    sign = "≥" if higher_is_better else "≤"
    print(
        f"{name}: {value:.2f} {unit} (target {sign} {target:g}) {'ok' if ok else 'MISS'}"
    )
    return ok


def baseline(name: str, value: float, unit: str) -> None:
    """Prints a yardstick measured in the same run: `name: value unit (baseline)`."""
    print(f"{name}: {value:.2f} {unit} (baseline)")


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) of the samples."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]


def engine() -> str:
    """'sqlite' or 'postgresql': the engine this run's database is on."""
    return "postgresql" if is_postgresql(os.environ["DESA_DATABASE_URL"]) else "sqlite"


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def _admin_conninfo(url: str) -> str:
    """A libpq connection string for `url`'s server, on its `postgres` database."""
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    fields = {
        "host": parts.host or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "dbname": "postgres",
    }
    return " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)


def database_url(url: str, name: str) -> str:
    """`url` with its database replaced by `name` (a driver is added if missing)."""
    from sqlalchemy.engine import make_url

    parts = make_url(url).set(database=name)
    if parts.drivername in ("postgresql", "postgres"):
        parts = parts.set(drivername="postgresql+psycopg")
    return parts.render_as_string(hide_password=False)


def create_database(url: str, name: str) -> str:
    """Creates the throwaway database `name` on `url`'s server (dropped at exit);
    returns its URL."""
    import psycopg

    admin = _admin_conninfo(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    pid = os.getpid()

    def drop() -> None:
        if os.getpid() != pid:  # a forked child (gunicorn) leaves it alone
            return
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error as exc:  # the figures are printed; say what is left
            print(f"# could not drop database {name}: {exc}", file=sys.stderr)

    atexit.register(drop)
    return database_url(url, name)


def temp_instance() -> Path:
    """A fresh instance folder for one benchmark run, and its database.

    Sets DESA_INSTANCE_PATH and DESA_DATABASE_URL for the app (and for any child
    process or server the script starts). A run that is a child of another keeps
    the parent's (DESA_BENCH_CHILD is set).
    """
    if os.environ.get("DESA_BENCH_CHILD"):
        return Path(os.environ["DESA_INSTANCE_PATH"])
    path = Path(tempfile.mkdtemp(prefix="desa-bench-"))
    os.environ["DESA_INSTANCE_PATH"] = str(path)
    url = _requested_url(sys.argv[1:])
    if is_postgresql(url):
        os.environ["DESA_DATABASE_URL"] = create_database(
            url, f"desa_bench_{os.getpid()}"
        )
    elif url == "sqlite":
        os.environ["DESA_DATABASE_URL"] = f"sqlite:///{path / 'desa.sqlite'}"
    elif url.startswith("sqlite:"):
        os.environ["DESA_DATABASE_URL"] = url
    else:
        raise SystemExit(f"--database-url: sqlite or postgresql…, not {url!r}")
    print(f"# engine: {engine()}")
    return path


def fresh_database(name: str) -> str:
    """Another empty database for the same run, on the same engine; returns its URL."""
    if engine() == "postgresql":
        return create_database(
            os.environ["DESA_DATABASE_URL"], f"desa_bench_{os.getpid()}_{name}"
        )
    return f"sqlite:///{Path(os.environ['DESA_INSTANCE_PATH']) / (name + '.sqlite')}"
