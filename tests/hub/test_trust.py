"""One offline check for the whole kabupaten: the hub's trust list holds every
registered village's keys and the letters it revoked, as its bundles carried
them, and `desa letter verify --trust` reads it without a database."""

from __future__ import annotations

import datetime as dt
import json

from conftest import system

from desa.extensions import db as _db


def _issue(app, make_user, resident, purpose):
    from desa.core.db import mark_write_intent
    from desa.letters import services
    from desa.residents.models import Resident

    head = make_user("head", full_name="H. Abdul Rahman")
    clerk = make_user("clerk")
    with app.app_context():
        from desa.auth.actor import Actor

        mark_write_intent()
        as_clerk = Actor(principal=clerk, today=dt.date(2026, 12, 7))
        letter = services.create_draft(
            as_clerk, "SKD", _db.session.get(Resident, resident.id), purpose, {}
        )
        services.issue(Actor(principal=head, today=dt.date(2026, 12, 7)), letter)
        _db.session.commit()
        return letter.public_id, letter.token


def test_a_letter_checks_against_the_kabupaten_list_and_a_revocation_travels(
    app, hub_app, sync, make_user, make_resident, tmp_path
):
    from desa.hub import services as hub_services
    from desa.letters import services
    from desa.letters.models import Letter
    from desa.trust import bundle as trust_bundle

    holder = make_resident(name="SITI AMINAH", sex="P", birth_date=dt.date(1988, 4, 12))
    _kept_id, kept = _issue(app, make_user, holder, "Melamar pekerjaan")
    gone_id, gone = _issue(app, make_user, holder, "Beasiswa")
    with app.app_context():
        from sqlalchemy import select

        letter = _db.session.scalar(select(Letter).where(Letter.public_id == gone_id))
        services.revoke(system(), letter, "Salah data")
        _db.session.commit()
    sync.apply(sync.export())
    path = tmp_path / "kabupaten.json"
    with hub_app.app_context():
        path.write_bytes(trust_bundle.dump(hub_services.trust_list(system())))
    listed = json.loads(path.read_text())
    assert listed["kind"] == "kabupaten" and listed["issuer"]["code"] == "61.01"
    (village,) = listed["villages"]
    assert village["code"] == "61.01.12.2002"
    assert [r["id"] for r in village["revoked"]] == [gone_id]
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["letter", "verify", kept, "--trust", str(path)])
    assert ok.exit_code == 0 and ok.output.startswith("Sah:"), ok.output
    refused = runner.invoke(args=["letter", "verify", gone, "--trust", str(path)])
    assert refused.exit_code == 1 and "dicabut" in refused.output
    # The return bundle brings the same list to the village.
    sync.give_back()
    from desa.sync.services import trust_list_path

    kept_copy = json.loads(trust_list_path(app.instance_path).read_text())
    assert [v["code"] for v in kept_copy["villages"]] == ["61.01.12.2002"]
