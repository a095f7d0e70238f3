"""Letter services: validation, numbering, who may issue, states, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from desa.auth.models import AuditEvent
from desa.core.errors import Conflict, Forbidden, ValidationError
from desa.core.models import Village
from desa.extensions import db
from desa.letters import numbering, services, types
from desa.letters.models import LetterCounter, LetterType
from desa.residents.models import Resident

from .conftest import TODAY

SKU_FIELDS = {
    "nama_usaha": "Warung Berkah",
    "jenis_usaha": "warung kelontong",
    "alamat_usaha": "Dusun Sungai Bedung",
    "tahun_mulai": "2019",
}


def _village(app, **values):
    with app.app_context():
        village = db.session.get(Village, 1)
        for name, value in values.items():
            setattr(village, name, value)
        db.session.commit()


def _type(app, type_code, **values):
    with app.app_context():
        letter_type = db.session.scalar(
            select(LetterType).where(LetterType.code == type_code)
        )
        for name, value in values.items():
            setattr(letter_type, name, value)
        db.session.commit()


# --- drafting -----------------------------------------------------------------------


def test_draft_has_no_number_and_a_random_public_id(app, holder, letters):
    public_id = letters.draft(holder, "SKU", fields=SKU_FIELDS)
    with app.app_context():
        letter = letters.get(public_id)
        assert letter.status == "draft" and letter.number is None and letter.seq is None
        assert len(letter.public_id) >= 16 and not letter.public_id.isdigit()
        assert letter.fields["tahun_mulai"] == 2019
        assert letter.created_by == "Operator Uji"


def test_required_extra_fields_are_named_in_indonesian(app, holder, letters):
    with pytest.raises(ValidationError) as err:
        letters.draft(holder, "SKU", fields={"nama_usaha": "Warung Berkah"})
    assert "Jenis usaha wajib diisi." in err.value.fields["fields.jenis_usaha"]
    assert "Alamat tempat usaha wajib diisi." in err.value.fields["fields.alamat_usaha"]
    assert "fields.nama_usaha" not in err.value.fields
    assert err.value.status == 422


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2026-11-20", "2026-11-20"),
        ("20-11-2026", "2026-11-20"),
        ("20/11/2026", "2026-11-20"),
    ],
)
def test_dates_are_read_in_indonesian_order_too(
    app, make_resident, letters, value, stored
):
    waiting = make_resident(ektp_status=3)  # recorded, card not yet received
    public_id = letters.draft(waiting, "SKKTP", fields={"tanggal_rekam": value})
    with app.app_context():
        assert letters.get(public_id).fields == {"tanggal_rekam": stored}


def test_ktp_in_process_only_for_the_recorded_still_waiting_for_their_card(
    holder, make_resident, letters
):
    from desa.core.errors import ServiceError

    for status in (None, 2, 8):  # not recorded, not recorded, card received
        person = make_resident(ektp_status=status)
        with pytest.raises(ServiceError) as err:
            letters.draft(person, "SKKTP", fields={"tanggal_rekam": "20-11-2026"})
        assert "kartunya belum diterima" in err.value.message
    for status in (3, 4, 6):  # recorded, printed, shipped: still waiting
        person = make_resident(ektp_status=status)
        assert letters.draft(person, "SKKTP", fields={"tanggal_rekam": "20-11-2026"})


def test_bad_dates_numbers_unknown_fields_and_missing_purpose(
    app, holder, make_resident, letters
):
    waiting = make_resident(ektp_status=3)
    with pytest.raises(ValidationError) as err:
        letters.draft(waiting, "SKKTP", fields={"tanggal_rekam": "31-02-2026"})
    assert "tanggal" in err.value.fields["fields.tanggal_rekam"][0]
    with pytest.raises(ValidationError) as err:
        letters.draft(
            holder, "SKTM", fields={"penghasilan": "sejuta", "jumlah_tanggungan": "3"}
        )
    assert "angka" in err.value.fields["fields.penghasilan"][0]
    with pytest.raises(ValidationError) as err:
        letters.draft(holder, "SKD", fields={"hack": "x"})
    assert "fields.hack" in err.value.fields
    with pytest.raises(ValidationError) as err:
        letters.draft(holder, "SKD", purpose="   ")
    assert "purpose" in err.value.fields
    with pytest.raises(ValidationError) as err:
        letters.draft(holder, "NOPE")
    assert "type" in err.value.fields


def test_thousands_with_dots_are_one_number(app, holder, letters):
    public_id = letters.draft(
        holder, "SKTM", fields={"penghasilan": "1.500.000", "jumlah_tanggungan": "4"}
    )
    with app.app_context():
        assert letters.get(public_id).fields["penghasilan"] == 1500000


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Rp 900.000", 900000),
        ("Rp900.000,-", 900000),
        ("rp. 1.250.000,00", 1250000),
        ("IDR 750000", 750000),
        ("2,5", "2.5"),
    ],
)
def test_amounts_are_read_as_villagers_write_them(app, holder, letters, typed, stored):
    public_id = letters.draft(
        holder, "SKTM", fields={"penghasilan": typed, "jumlah_tanggungan": "4"}
    )
    with app.app_context():
        assert letters.get(public_id).fields["penghasilan"] == stored


def test_a_word_is_still_not_an_amount(app, holder, letters):
    with pytest.raises(ValidationError) as refused:
        letters.draft(
            holder,
            "SKTM",
            fields={"penghasilan": "Rp sejuta", "jumlah_tanggungan": "4"},
        )
    assert "fields.penghasilan" in refused.value.fields


def test_inactive_type_cannot_be_drafted(app, holder, letters):
    _type(app, "SKD", active=False)
    with pytest.raises(ValidationError):
        letters.draft(holder, "SKD")


# --- issuing ------------------------------------------------------------------------


def test_issue_numbers_per_type_per_year_and_snapshots_the_signer(app, holder, letters):
    a = letters.issue(letters.draft(holder, "SKD"))
    b = letters.issue(letters.draft(holder, "SKD"))
    c = letters.issue(letters.draft(holder, "SRP", fields={"keluhan": "demam"}))
    assert (a.number, b.number) == ("SKD/001/2002/XI/2026", "SKD/002/2002/XI/2026")
    assert c.number == "SRP/001/2002/XI/2026"
    assert (a.seq, a.year, a.counter_scope) == (1, 2026, a.type_id)
    assert a.status == "issued" and a.issued_on == dt.date(2026, 11, 23)
    assert (
        a.signer_name == "H. Abdul Rahman" and a.signer_title == "Kepala Desa Merubung"
    )
    assert a.valid_until == dt.date(2026, 11, 23) + dt.timedelta(days=180)
    assert len(a.pdf_sha256) == 64 and a.pdf_path == f"letters/2026/{a.public_id}.pdf"
    assert c.valid_until == dt.date(2026, 12, 7)


def test_shared_sequence_numbers_all_types_in_one_row(app, holder, letters):
    _village(app, shared_letter_sequence=True)
    a = letters.issue(letters.draft(holder, "SKD"))
    b = letters.issue(letters.draft(holder, "SPSKCK"))
    assert (a.number, b.number) == ("SKD/001/2002/XI/2026", "SPSKCK/002/2002/XI/2026")
    assert a.counter_scope == b.counter_scope == 0


def test_switching_to_a_shared_sequence_mid_year_never_reuses_a_number(
    app, holder, letters
):
    letters.issue(letters.draft(holder, "SKD"))
    letters.issue(letters.draft(holder, "SKD"))
    with app.app_context():
        types.update_settings(
            letters.actor(),
            db.session.get(Village, 1),
            clerk_may_issue=False,
            shared_sequence=True,
        )
        db.session.commit()
    third = letters.issue(letters.draft(holder, "SKD"))
    assert third.number == "SKD/003/2002/XI/2026"
    with app.app_context():
        types.update_settings(
            letters.actor(),
            db.session.get(Village, 1),
            clerk_may_issue=False,
            shared_sequence=False,
        )
        db.session.commit()
    assert letters.issue(letters.draft(holder, "SKD")).number == "SKD/004/2002/XI/2026"


def test_the_sequence_starts_again_each_year(app, holder, letters):
    letters.issue(letters.draft(holder, "SKD"))
    new_year = letters.actor(letters.head, today=dt.date(2027, 1, 2))
    letter = letters.issue(letters.draft(holder, "SKD"), new_year)
    assert letter.number == "SKD/001/2002/I/2027"
    with app.app_context():
        rows = db.session.execute(select(LetterCounter.year, LetterCounter.last)).all()
    assert sorted(rows) == [(2026, 1), (2027, 1)]


def test_issuing_twice_is_a_conflict_and_keeps_the_first_number(app, holder, letters):
    public_id = letters.draft(holder)
    first = letters.issue(public_id)
    with pytest.raises(Conflict) as err:
        letters.issue(public_id)
    assert err.value.status == 409 and err.value.code == "already_issued"
    with app.app_context():
        letter = letters.get(public_id)
        assert letter.number == first.number and letter.pdf_sha256 == first.pdf_sha256
        assert db.session.scalar(select(LetterCounter.last)) == 1


def test_clerk_issues_only_where_the_village_or_type_allows(app, holder, letters):
    public_id = letters.draft(holder)
    with pytest.raises(Forbidden):
        letters.issue(public_id, letters.clerk)
    _type(app, "SKD", issuer="clerk")
    letter = letters.issue(public_id, letters.clerk)
    assert letter.signer_name == "Operator Uji"
    assert letter.signer_title == "a.n. Kepala Desa Merubung\nOperator Desa"
    other = letters.draft(holder, "SPSKCK")
    with pytest.raises(Forbidden):
        letters.issue(other, letters.clerk)
    _village(app, clerk_may_issue=True)
    assert letters.issue(other, letters.clerk).number.startswith("SPSKCK/001/")


def test_rt_and_residents_never_issue(app, holder, letters, make_user):
    public_id = letters.draft(holder)
    _village(app, clerk_may_issue=True)
    with pytest.raises(Forbidden):
        letters.issue(public_id, make_user("rt"))


def test_a_number_pattern_collision_is_a_conflict_not_a_crash(app, holder, letters):
    letters.issue(letters.draft(holder, "SKD"))
    # Type "SK" with "{code}D/…" prints "SKD/001/…" too: the unique number catches it.
    _type(
        app,
        "SPSKCK",
        code="SK",
        number_pattern="{code}D/{seq:03}/{village}/{month_roman}/{year}",
    )
    public_id = letters.draft(holder, "SK")
    with pytest.raises(Conflict) as err:
        letters.issue(public_id)
    assert err.value.code == "number_taken"
    with app.app_context():
        assert letters.get(public_id).status == "draft"
        assert db.session.scalar(select(func.sum(LetterCounter.last))) == 1


# --- revoke, requests, collect -----------------------------------------------------


def test_revoke_needs_a_reason_and_the_head(app, holder, letters):
    letter = letters.issue(letters.draft(holder))
    with app.app_context():
        row = letters.get(letter.public_id)
        with pytest.raises(ValidationError):
            services.revoke(letters.as_head, row, "  ")
        with pytest.raises(Forbidden):
            services.revoke(letters.as_clerk, row, "salah data")
        services.revoke(letters.as_head, row, "Data alamat salah")
        db.session.commit()
        assert row.status == "revoked" and row.revoked_reason == "Data alamat salah"
        assert row.number == letter.number  # a number is never given back
        with pytest.raises(Conflict):
            services.revoke(letters.as_head, row, "lagi")


def test_resident_request_flow_and_states(app, holder, letters):
    with app.app_context():
        resident = db.session.get(Resident, holder.id)
        letter = services.request_letter(
            letters.actor(resident), "SKD", "Mendaftar sekolah anak", {}
        )
        db.session.commit()
        public_id = letter.public_id
        assert (
            letter.requested_by_resident
            and services.resident_state(letter) == "requested"
        )
        with pytest.raises(Conflict):  # a request is taken up before it is issued
            services.issue(letters.as_head, letter)
        db.session.rollback()
        services.take_up(letters.as_clerk, letters.get(public_id))
        db.session.commit()
        assert services.resident_state(letters.get(public_id)) == "draft"
    letters.issue(public_id)
    with app.app_context():
        letter = letters.get(public_id)
        assert services.resident_state(letter) == "ready"
        services.mark_collected(letters.as_clerk, letter)
        db.session.commit()
        assert services.resident_state(letter) == "done"
        with pytest.raises(Conflict):
            services.mark_collected(letters.as_clerk, letter)


def test_reject_needs_a_reason_and_only_before_issue(app, holder, letters):
    with app.app_context():
        resident = db.session.get(Resident, holder.id)
        letter = services.request_letter(
            letters.actor(resident), "SKD", "Keperluan pribadi", {}
        )
        with pytest.raises(ValidationError):
            services.reject(letters.as_clerk, letter, "")
        services.reject(letters.as_clerk, letter, "Bukan warga dusun ini")
        db.session.commit()
        assert services.resident_state(letter) == "rejected"
        with pytest.raises(Conflict):
            services.take_up(letters.as_clerk, letter)


def test_audit_lines_are_masked(app, holder, letters):
    letters.issue(letters.draft(holder))
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("letters.%"))
        ).all()
    actions = [e.action for e in events]
    assert actions == ["letters.draft", "letters.issue"]
    for event in events:
        assert holder.nik not in event.detail and "SITI AMINAH" not in event.detail
        assert holder.nik[:4] + "********" + holder.nik[-4:] in event.detail
    assert "SKD/001/2002/XI/2026" in events[1].detail


def test_preview_is_a_pdf_and_stores_nothing(app, holder, letters):
    public_id = letters.draft(holder)
    with app.app_context():
        data = services.preview_pdf(letters.get(public_id), TODAY)
        assert data.startswith(b"%PDF")
        letter = letters.get(public_id)
        assert letter.number is None and letter.pdf_path is None
        assert db.session.scalar(select(LetterCounter.last)) is None


def test_stored_pdf_is_the_same_bytes_every_time(app, holder, letters, make_actor):
    letter = letters.issue(letters.draft(holder))
    with app.app_context():
        row, actor = letters.get(letter.public_id), make_actor()
        first, second = services.stored_pdf(actor, row), services.stored_pdf(actor, row)
    import hashlib

    assert first == second and hashlib.sha256(first).hexdigest() == letter.pdf_sha256


# --- number patterns and types -----------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "{seq}/{year}",
        "{code}/{seq}",
        "{code}/{seq}/{year}/{nope}",
        "{code}/{seq:zz}/{year}",
        "{code}/{seq}/{year",
        "{code:>5}/{seq}/{year}",
    ],
)
def test_bad_number_patterns_are_refused(pattern):
    with pytest.raises(ValidationError) as err:
        numbering.check_pattern(pattern)
    assert "number_pattern" in err.value.fields


def test_number_format():
    number = numbering.format_number(
        "{code}/{seq:03}/{village}/{month_roman}/{year}",
        "SKD",
        7,
        "61.01.12.2002",
        dt.date(2026, 4, 1),
    )
    assert number == "SKD/007/2002/IV/2026"
    numbering.check_pattern("470/{code}/{seq:04}/{village_code}/{month}/{year}")


def test_types_are_created_checked_and_keep_their_code(app, make_actor):
    data = {
        "code": "skbb",
        "title": "Surat Keterangan Berkelakuan Baik",
        "kind": "letter",
        "issuer": "clerk",
        "body": "Pembuka.\n\n[data]\n\nPenutup.",
        "validity_days": "30",
        "number_pattern": "",
        "fields": types.fields_from_text("alasan | Alasan | teks | wajib"),
    }
    system = make_actor(today=TODAY)
    with app.app_context():
        created = types.create_type(system, data)
        db.session.commit()
        assert created.code == "SKBB" and created.validity_days == 30
        assert created.fields == [
            {"name": "alasan", "label": "Alasan", "type": "text", "required": True}
        ]
        with pytest.raises(Conflict):
            types.create_type(system, data)
        db.session.rollback()
        types.update_type(
            system, created, {**data, "code": "OTHER", "title": "Judul Baru"}
        )
        assert created.code == "SKBB" and created.title == "Judul Baru"
        for bad in (
            {"fields": [{"name": "nama"}]},
            {"fields": [{"name": "Bad Name"}]},
            {"validity_days": "0"},
            {"body": ""},
            {"code": "a b"},
        ):
            with pytest.raises(ValidationError):
                types.create_type(system, {**data, "code": "NEW", **bad})
    with pytest.raises(ValidationError):
        types.fields_from_text("x | X | warna")


def test_a_drafts_day_in_the_archive_is_the_village_day(app, holder, letters):
    from desa.letters import archive

    with app.app_context():
        clerk = letters.actor(letters.clerk)
        resident = db.session.get(Resident, holder.id)
        draft = services.create_draft(clerk, "SKD", resident, "Melamar", {})
        # Written at 06:30 WIB on 24 November: 23:30 UTC on the 23rd.
        draft.created_at = dt.datetime(2026, 11, 23, 23, 30)
        db.session.flush()

        def found(day):
            stmt = archive.search(clerk, date_from=day, date_to=day)
            return draft.id in {x.id for x in db.session.scalars(stmt)}

        assert found(dt.date(2026, 11, 24)) and not found(dt.date(2026, 11, 23))
        db.session.rollback()


def test_years_print_without_a_thousands_dot_and_amounts_with():
    from desa.letters.documents import field_text

    year = {"name": "tahun_mulai", "type": "number"}
    amount = {"name": "penghasilan", "type": "number"}
    assert field_text(year, 2019) == "2019"
    assert field_text(amount, 1200000) == "1.200.000"
