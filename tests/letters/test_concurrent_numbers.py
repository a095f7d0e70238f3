"""Two OS processes issue 50 letters each at once: 100 distinct numbers, 1..100.

Each process has its own app and engine on the same database (the SQLite file or
the PostgreSQL database of the run); the shared sequence makes both draw from one
counter row, the worst case. The children draw a stub PDF: rendering is measured
by bench/letters.py, and here it would only lengthen the queue behind the lock.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlalchemy import select

from desa.core.models import Village
from desa.extensions import db
from desa.letters import services
from desa.letters.models import Letter
from desa.residents.models import Resident

PER_PROCESS = 50


def _issue_all(
    url: str, instance: str, public_ids: list[str], head_id: int, today, start
) -> None:
    from conftest import _test_config

    from desa import create_app
    from desa.auth.actor import Actor
    from desa.auth.models import User
    from desa.core.db import mark_write_intent
    from desa.letters import pdf, services

    pdf.render_letter = lambda doc: b"%PDF-1.4 stub " + doc.number.encode()

    app = create_app(_test_config(Path(instance), url))
    with app.app_context():
        head = db.session.get(User, head_id)
        db.session.expunge(head)
        db.session.remove()
        actor = Actor(principal=head, today=today)
        start.wait(timeout=30)
        for public_id in public_ids:
            mark_write_intent()  # as an HTML/API POST: the write lock from the start
            letter = db.session.scalar(
                select(Letter).where(Letter.public_id == public_id)
            )
            services.issue(actor, letter)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_processes_get_gapless_distinct_numbers(app, holder, letters, today):
    with app.app_context():
        db.session.get(Village, 1).shared_letter_sequence = True
        db.session.commit()
    codes = ["SKD", "SPSKCK", "SPKTP", "SKD"]
    with app.app_context():
        resident = db.session.get(Resident, holder.id)
        ids = [
            services.create_draft(
                letters.as_clerk, codes[i % 4], resident, "Uji", {}
            ).public_id
            for i in range(2 * PER_PROCESS)
        ]
        db.session.commit()
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [
        context.Process(
            target=_issue_all,
            args=(url, app.instance_path, chunk, letters.head.id, today, start),
        )
        for chunk in (ids[:PER_PROCESS], ids[PER_PROCESS:])
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    with app.app_context():
        rows = db.session.execute(
            select(Letter.seq, Letter.number, Letter.status, Letter.pdf_sha256)
        ).all()
    assert all(r.status == "issued" and r.pdf_sha256 for r in rows)
    assert sorted(r.seq for r in rows) == list(range(1, 2 * PER_PROCESS + 1))
    assert len({r.number for r in rows}) == 2 * PER_PROCESS
