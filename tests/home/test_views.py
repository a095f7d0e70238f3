"""The home page of each role (desa/home/views.py): what it shows, within whose
scope, and what it must not show; the health check and the API's front door."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from conftest import PG_URL

TODAY = dt.date(2026, 11, 23)  # a Monday
FIGURE = re.compile(
    r'<span class="num">([\d.]+)</span><span class="lbl">([^<]+)</span>'
)


@pytest.fixture(autouse=True)
def today(freeze):
    """The village's date is Monday 23 November 2026 on every home page here."""
    freeze(TODAY)
    return TODAY


@pytest.fixture
def village(make_resident):
    """Seven residents in two RTs; on TODAY, RT 002 / RW 001 (the `rt` fixture
    user's) has 3 active (1 pending) and 1 deceased, RT 001 / RW 003 has 2 active
    (both pending) and 1 moved away."""
    adult, child = dt.date(1990, 5, 17), dt.date(2015, 1, 9)
    mine = {"rw": "001", "rt": "002"}
    other = {"rw": "003", "rt": "001"}
    return {
        "pending_mine": make_resident(name="ANI RT DUA", **mine, ektp_status=2),
        "recorded_mine": make_resident(name="BUDI RT DUA", **mine, ektp_status=4),
        "child_mine": make_resident(name="CICI RT DUA", birth_date=child, **mine),
        "dead_mine": make_resident(
            name="DARMAN RT DUA", **mine, life_status="deceased"
        ),
        "pending_other": make_resident(name="EKO RW TIGA", **other, ektp_status=1),
        "unknown_other": make_resident(name="FAJAR RW TIGA", **other, ektp_status=None),
        "moved_other": make_resident(
            name="GITA RW TIGA", birth_date=adult, **other, life_status="moved"
        ),
    }


def page_of(client) -> str:
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def figures(page: str) -> dict[str, int]:
    """The page's figure tiles, label → number."""
    return {label: int(num.replace(".", "")) for num, label in FIGURE.findall(page)}


def test_a_visitor_gets_the_choice_of_sign_in_and_no_figures(client, village):
    page = page_of(client)
    assert "Layanan Desa Merubung" in page
    assert 'href="/resident/login"' in page and 'href="/login"' in page
    assert 'href="/jadwal"' in page  # the public session calendar
    assert figures(page) == {}
    assert "ANI RT DUA" not in page and 'href="/residents"' not in page


def test_a_script_with_a_token_is_sent_to_the_api_description(client, make_token):
    resp = client.get("/", headers={"Authorization": f"Bearer {make_token()}"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/api/v1/openapi.json")


def test_the_clerk_sees_the_whole_village_and_the_day(client, login, village):
    login("clerk")
    page = page_of(client)
    assert "Desa Merubung" in page and "Kecamatan Tekarang" in page
    assert "Senin, 23 November 2026" in page
    assert figures(page) == {
        "penduduk aktif": 5,
        "wajib KTP belum rekam": 3,
        "meninggal / pindah / hilang": 2,
    }
    assert "Ada 3 warga wajib KTP yang belum merekam e-KTP." in page
    assert 'href="/residents/new"' in page
    # The admin's cards are not the clerk's.
    assert "Akun aktif" not in page and "Cadangan data" not in page


def test_the_figures_follow_the_village_date(client, login, village, freeze):
    # On 9 January 2032 the child born on 9 January 2015 turns 17: one more pending.
    freeze(dt.date(2032, 1, 9))
    login("clerk")
    assert figures(page_of(client))["wajib KTP belum rekam"] == 4


def test_an_rt_head_sees_only_their_own_rt(client, login, village):
    login("rt", rw="001", rt="002")
    page = page_of(client)
    assert "Wilayah Anda: RT 002 / RW 001" in page
    assert figures(page) == {
        "penduduk aktif": 3,
        "wajib KTP belum rekam": 1,
        "meninggal / pindah / hilang": 1,
        # Their people's e-KTP recording: Ani pending and unbooked, Budi recorded.
        "belum rekam, belum terjadwal": 1,
        "sudah terjadwal": 0,
        "sudah rekam": 1,
    }
    assert "Belum ada sesi mendatang." in page
    for name in ("EKO RW TIGA", "FAJAR RW TIGA", "GITA RW TIGA"):
        assert name not in page
    assert 'href="/residents/new"' not in page and "Akun aktif" not in page


def test_an_rt_head_of_an_empty_rt_sees_zeros(client, login, village):
    login("rt", rw="009", rt="009")
    page = page_of(client)
    assert "Wilayah Anda: RT 009 / RW 009" in page
    assert set(figures(page).values()) == {0}


def test_the_village_head_reads_everything_but_is_offered_no_changes(
    client, login, village
):
    login("head")
    page = page_of(client)
    assert figures(page) == {
        "penduduk aktif": 5,
        "wajib KTP belum rekam": 3,
        "meninggal / pindah / hilang": 2,
    }
    assert 'href="/admin/audit"' in page
    assert 'href="/residents/new"' not in page and "Akun aktif" not in page


def test_the_admin_sees_accounts_tokens_and_recent_activity(
    client, login, make_user, make_token, make_actor, village, db
):
    from sqlalchemy import select

    from desa.auth.models import ApiToken, User
    from desa.auth.services import revoke_token

    login("admin")
    make_user("clerk")
    make_user("clerk")
    gone = make_user("clerk")
    make_user("rt")
    make_token("district")
    make_token("district")
    db.session.get(User, gone.id).active = False
    revoke_token(make_actor(), db.session.scalars(select(ApiToken.id)).first())
    db.session.commit()
    page = page_of(client)
    assert "Admin: <strong>1</strong>" in page
    assert "Operator: <strong>2</strong>" in page  # the deactivated one not counted
    assert "Ketua RT: <strong>1</strong>" in page
    assert "Kepala desa: <strong>0</strong>" in page
    assert "Token API aktif: <strong>1</strong>" in page  # the revoked one not
    assert re.search(r"Petugas admin \d+ masuk</li>", page)  # a sentence, not a code
    assert figures(page)["penduduk aktif"] == 5


@pytest.mark.skipif(
    bool(PG_URL) and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed for the PostgreSQL run",
)
def test_the_admin_home_says_when_the_last_backup_ran(
    app, client, login, runner, tmp_path
):
    login("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Belum pernah ada cadangan." in page
    assert runner.invoke(args=["backup", str(tmp_path / "c.tar.gz")]).exit_code == 0
    page = client.get("/").get_data(as_text=True)
    assert "Cadangan terakhir:" in page and "c.tar.gz" in page


def test_a_resident_sees_their_own_data_and_what_to_do(client, login, village):
    me = login("resident", name="HASNAH", sex="P", birth_date=dt.date(1999, 2, 3))
    page = page_of(client)
    assert "HASNAH" in page and me.nik in page
    assert "3 Februari 1999" in page
    assert "Anda sudah wajib KTP dan belum merekam e-KTP." in page
    assert figures(page) == {}
    for name in ("ANI RT DUA", "EKO RW TIGA"):
        assert name not in page


def test_a_child_is_told_they_are_not_wajib_yet(client, login):
    login("resident", birth_date=dt.date(2015, 1, 9))
    page = page_of(client)
    assert "Anda belum wajib memiliki KTP." in page
    assert "belum merekam e-KTP" not in page


def test_an_employer_sees_their_company_and_only_their_staff(client, login, village):
    login("employer", full_name="Bu Rina")
    page = page_of(client)
    assert "PT Sawit Tekarang Lestari" in page and "Kontak: Bu Rina" in page
    # No employees registered yet: none of the village's residents are counted.
    assert figures(page) == {
        "belum rekam, belum terjadwal": 0,
        "sudah terjadwal": 0,
        "sudah rekam": 0,
    }
    assert "ANI RT DUA" not in page and "penduduk aktif" not in page


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from desa.extensions import db

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "error", "database": "unreachable"}


@pytest.mark.parametrize("path", ["/api", "/api/v1"])
def test_the_api_root_points_at_its_description(client, path):
    resp = client.get(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/api/v1/openapi.json")


@pytest.fixture
def work(app, village, make_user, make_actor):
    """Two drafts, a resident's letter request, a correction request, and a
    session today with 3 of 10 places taken."""
    from desa.appointments import booking
    from desa.appointments.sessions import create_session
    from desa.extensions import db
    from desa.letters import services as letters
    from desa.residents import corrections
    from desa.residents.models import Resident

    clerk = make_user("clerk", full_name="Operator Antrean")
    with app.app_context():
        system = make_actor(today=TODAY)
        as_clerk = system.as_(clerk)
        people = list(db.session.scalars(db.select(Resident).order_by(Resident.id)))
        adults = [
            p for p in people if p.birth_date.year < 2000 and p.life_status == "active"
        ]
        for person in adults[:2]:
            letters.create_draft(as_clerk, "SKD", person, "Melamar pekerjaan", {})
        asker = adults[2]
        letters.request_letter(system.as_(asker), "SKD", "Mendaftar sekolah", {})
        corrections.request_correction(
            system.as_(asker), asker, "address", "Alamat saya sudah pindah ke Gg. Damai"
        )
        session = create_session(
            system,
            {
                "date": TODAY.isoformat(),
                "start": "08:00",
                "end": "12:00",
                "place": "Kantor Desa Merubung",
                "capacity": 10,
                "minutes_per_person": 10,
            },
        )
        pending = [
            p.nik
            for p in people
            if p.ektp_status in (None, 1, 2)
            and p.life_status == "active"
            and p.birth_date.year < 2000
        ]
        booking.book(system, session, pending[:3])
        db.session.commit()


def test_the_head_is_shown_the_letters_waiting_for_a_signature(client, login, work):
    login("head")
    page = page_of(client)
    assert "Surat menunggu tanda tangan" in page
    queue = page.split("Surat menunggu tanda tangan", 1)[1].split("</section>", 1)[0]
    assert '<span class="count">2</span>' in queue
    assert queue.count("/letters/") == 2
    # Requests and the day's sessions are the clerk's work, not the head's.
    assert "Permintaan surat dari warga" not in page
    assert "Sesi perekaman hari ini" not in page


def test_the_clerk_is_shown_requests_corrections_and_todays_sessions(
    client, login, work
):
    login("clerk")
    page = page_of(client)
    assert "Surat menunggu tanda tangan" not in page  # the clerk does not sign
    requests = page.split("Permintaan surat dari warga", 1)[1].split("</section>")[0]
    assert '<span class="count">1</span>' in requests and "Surat Keterangan" in requests
    fixes = page.split("Permintaan perbaikan data", 1)[1].split("</section>")[0]
    assert "Alamat saya sudah pindah" in fixes
    assert "3 dari 10 tempat terisi" in page
    assert "Kantor Desa Merubung" in page


def test_an_rt_head_has_no_office_queues(client, login, work):
    login("rt")
    page = page_of(client)
    for title in (
        "Surat menunggu tanda tangan",
        "Permintaan surat dari warga",
        "Sesi perekaman hari ini",
    ):
        assert title not in page
