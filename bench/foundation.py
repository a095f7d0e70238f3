"""Foundation figures: a staff sign-in (argon2id as configured) and the home page.

Run with the project's venv: `.venv/bin/python bench/foundation.py [--small]
[--database-url URL]`.
"""

from __future__ import annotations

import argparse
import re
import time

from _common import add_options, figure, percentile, temp_instance

temp_instance()

from flask_migrate import upgrade  # noqa: E402

from desa import create_app  # noqa: E402
from desa.auth.actor import command_actor  # noqa: E402
from desa.auth.services import create_user  # noqa: E402
from desa.core.village import set_village  # noqa: E402
from desa.extensions import db  # noqa: E402

PASSWORD = "kata-sandi-bench-2026"


def main() -> None:
    args = add_options(argparse.ArgumentParser()).parse_args()
    pages = 50 if args.small else 300
    app = create_app()
    with app.app_context():
        upgrade()
        set_village("61.01.12.2002")
        create_user(
            command_actor(), "operator", PASSWORD, "clerk", full_name="Operator"
        )
        db.session.commit()

    sign_ins = []
    client = app.test_client()
    for _ in range(3 if args.small else 10):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'csrf-token" content="([^"]+)"', page).group(1)
        start = time.perf_counter()
        resp = client.post(
            "/login",
            data={"username": "operator", "password": PASSWORD, "csrf_token": token},
        )
        sign_ins.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 302, resp.status_code
    home = []
    for _ in range(pages):
        start = time.perf_counter()
        assert client.get("/").status_code == 200
        home.append((time.perf_counter() - start) * 1000)
    health = []
    for _ in range(pages):
        start = time.perf_counter()
        client.get("/healthz")
        health.append((time.perf_counter() - start) * 1000)

    figure(
        "staff sign-in (argon2id 64 MiB) median", percentile(sign_ins, 50), "ms", 500
    )
    figure("clerk home page p95", percentile(home, 95), "ms", 50)
    figure("healthz p99", percentile(health, 99), "ms", 10)


if __name__ == "__main__":
    main()
