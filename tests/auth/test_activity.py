"""The audit log reads as Indonesian sentences and filters by groups of actions."""

from __future__ import annotations

from desa.auth import activity, audit
from desa.auth.models import AuditEvent


def _event(action, detail="", actor_name="Operator Desa", **extra):
    return AuditEvent(
        action=action, detail=detail, actor_name=actor_name, actor_kind="user", **extra
    )


def test_a_known_action_reads_as_its_sentence(app):
    with app.test_request_context():
        text = activity.sentence(
            _event("residents.read", "A**** A******* (6101********0001)")
        )
    assert text == "Operator Desa membuka data A**** A******* (6101********0001)"


def test_an_empty_detail_leaves_no_empty_brackets(app):
    with app.test_request_context():
        assert activity.sentence(_event("auth.sign_in")) == "Operator Desa masuk"
        assert (
            activity.sentence(_event("letters.letterhead"))
            == "Operator Desa mengubah kop surat"
        )


def test_unknown_and_throttled_actions_fall_back_to_a_generic_sentence(app):
    with app.test_request_context():
        unknown = activity.sentence(_event("residents.event.adoption", "6101****"))
        throttled = activity.sentence(
            _event("recording.api.pending.throttled", "GET page=2")
        )
        system = activity.sentence(
            AuditEvent(action="residents.export", actor_kind="system", detail="2")
        )
    assert unknown == "Operator Desa melakukan residents.event.adoption (6101****)"
    assert throttled.startswith("Operator Desa ditolak karena terlalu sering")
    assert system == "Sistem mengekspor data penduduk (2)"


def test_every_action_has_one_group_and_a_label():
    grouped = [a for g in activity.GROUPS for a in g.actions]
    assert sorted(grouped) == sorted(activity.SENTENCES)
    assert all(str(g.label) for g in activity.GROUPS)


def _seed(db, make_actor):
    actor = make_actor()
    for action, detail in (
        ("residents.read", "A**** A******* (6101********0001)"),
        ("residents.update", "6101********0001: name"),
        ("residents.event.death", "6101********0001 2026-11-20"),
        ("letters.download", "SKD S*** A***** 6101********0002"),
        ("tokens.create", "kabupaten (district)"),
    ):
        audit.record(actor, action, detail=detail, actor_name="Operator Desa")
    db.session.commit()


def test_audit_page_shows_sentences_and_filters_by_groups(
    client, login, db, make_actor
):
    _seed(db, make_actor)
    login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Operator Desa membuka data A**** A******* (6101********0001)" in page
    assert 'name="kind" type="checkbox" value="reads"' in page
    assert "Membuka data pribadi" in page
    reads = client.get("/admin/audit?kind=reads").get_data(as_text=True)
    assert "membuka data A****" in reads and "mengunduh PDF surat" in reads
    assert "Desa mengubah data penduduk" not in reads
    assert "Desa membuat token API" not in reads
    both = client.get("/admin/audit?kind=residents&kind=accounts").get_data(
        as_text=True
    )
    assert "Desa mengubah data penduduk" in both and "mencatat kematian" in both
    assert "membuat token API kabupaten" in both and "Desa membuka data" not in both
    assert "checked" in both


def test_csv_follows_the_group_filter_and_keeps_its_columns(
    client, login, db, make_actor
):
    _seed(db, make_actor)
    login("head")
    resp = client.get("/admin/audit.csv?kind=reads")
    assert resp.status_code == 200
    text = resp.get_data().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,waktu_utc,jenis_pelaku,pelaku")
    assert "residents.read" in text and "residents.update" not in text


def test_an_unknown_group_is_422_not_500(client, login):
    login("admin")
    assert client.get("/admin/audit?kind=nonsense").status_code == 422


def test_admin_home_recent_activity_reads_as_sentences(client, login, db, make_actor):
    _seed(db, make_actor)
    login("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Operator Desa membuat token API kabupaten (district)" in page
    assert "<code>tokens.create</code>" not in page
