"""The villages' monthly population reports at the hub: carried by bundles, kept
per village and month, summed per kecamatan with the villages that did not send."""

from __future__ import annotations

import io

import pytest
from conftest import PASSWORD, post_login_as, system

from desa.extensions import db as _db


def counts(**given) -> dict:
    """A row that adds up: start + births + in - deaths - out = end, per sex."""
    from desa.hub.reports import COUNTS

    row = dict.fromkeys(COUNTS, 0)
    row.update(given)
    for sex in ("l", "p"):
        row[f"end_{sex}"] = (
            row[f"start_{sex}"]
            + row[f"births_{sex}"]
            + row[f"in_{sex}"]
            - row[f"deaths_{sex}"]
            - row[f"out_{sex}"]
        )
    return row


def report_line(year=2026, month=11, final=True, rows=None) -> dict:
    rows = rows or [
        {
            "dusun": "Dusun A",
            **counts(start_l=100, start_p=90, births_l=2, start_kk=60, end_kk=60),
        },
        {
            "dusun": "Dusun B",
            **counts(start_l=50, start_p=55, deaths_p=1, out_l=3, end_kk=30),
        },
    ]
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "dusun"}
    return {
        "t": "report",
        "year": year,
        "month": month,
        "final": final,
        "made_on": "2026-12-03",
        "rows": rows,
        "total": total,
    }


@pytest.fixture
def officer(hub_app):
    from desa.auth.services import create_user

    with hub_app.app_context():
        create_user(system(), "dinas", PASSWORD, "clerk", full_name="Operator Dinas")
        create_user(
            system(), "camat", PASSWORD, "kecamatan", full_name="Camat", area="61.01.12"
        )
        _db.session.commit()

    def login(username="dinas"):
        client = hub_app.test_client()
        assert post_login_as(client, username, PASSWORD).status_code == 302
        return client

    return login


def test_a_report_line_is_kept_per_village_and_month(hub_app, other_village):
    from sqlalchemy import select

    from desa.hub.models import HubMonthlyReport

    other_village(
        "61.01.12.2001", [report_line(month=10), report_line(month=11, final=False)]
    )
    with hub_app.app_context():
        kept = list(
            _db.session.scalars(
                select(HubMonthlyReport).order_by(HubMonthlyReport.month)
            )
        )
        assert [(r.year, r.month, r.final) for r in kept] == [
            (2026, 10, True),
            (2026, 11, False),
        ]
        total = kept[0].body["total"]
        assert (total["start_l"], total["end_l"], total["end_p"]) == (150, 149, 144)
        assert [r["dusun"] for r in kept[0].body["rows"]] == ["Dusun A", "Dusun B"]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda line: line["rows"][0].update(end_l=999),  # does not add up
        lambda line: line["total"].update(start_l=1),  # total is not the sum
        lambda line: line.update(month=13),
        lambda line: line.update(made_on="kemarin"),
        lambda line: line["rows"][1].update(births_p=-1),
        lambda line: line["rows"][1].update(births_p="2"),
        lambda line: line.update(final="ya"),
    ],
)
def test_a_report_that_does_not_add_up_refuses_the_bundle(
    hub_app, other_village, spoil
):
    from sqlalchemy import func, select

    from desa.hub.models import HubMonthlyReport, HubVillage
    from desa.sync.bundle import SyncFileError

    line = report_line()
    spoil(line)
    with pytest.raises(SyncFileError) as refused:
        other_village("61.01.12.2001", [report_line(month=10), line])
    assert "Baris 3" in str(refused.value)
    with hub_app.app_context():
        _db.session.rollback()
        assert (
            _db.session.scalar(select(func.count()).select_from(HubMonthlyReport)) == 0
        )
        village = _db.session.scalar(select(HubVillage))
        assert village is None or village.last_seq is None


def test_the_kecamatan_table_sums_its_villages_and_names_the_missing(
    hub_app, other_village, officer
):
    other_village("61.01.12.2001", [report_line()])
    other_village(
        "61.01.12.2002",
        [
            report_line(
                rows=[
                    {"dusun": None, **counts(start_l=10, start_p=12, in_p=2, end_kk=7)}
                ]
            )
        ],
    )
    other_village("61.01.12.2003", [report_line(month=10)])  # not November
    other_village("61.01.01.2001", [report_line()])  # another kecamatan
    client = officer()
    page = client.get("/hub/reports?tahun=2026&bulan=11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bulan November 2026" in html
    assert "3 desa sudah mengirim, 1 belum." in html
    assert "belum mengirim" in html
    # Kecamatan Tekarang: 150+10 men and 145+12 women at the start, 2 women came.
    assert "160 / 157" in html and "0 / 2" in html
    # The whole kabupaten: three reports (the other kecamatan's too).
    assert "310 / 302" in html

    camat = (
        officer("camat").get("/hub/reports?tahun=2026&bulan=11").get_data(as_text=True)
    )
    assert "2 desa sudah mengirim, 1 belum." in camat
    assert "61.01.01.2001" not in camat


def test_the_table_downloads_as_xlsx(hub_app, other_village, officer):
    from openpyxl import load_workbook

    other_village("61.01.12.2001", [report_line()])
    other_village("61.01.12.2002", [])
    got = officer().get("/hub/reports.xlsx?tahun=2026&bulan=11")
    assert got.status_code == 200
    assert "laporan-bulanan-penduduk-2026-11.xlsx" in got.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(got.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:4] == ["Kecamatan", "Desa", "Kode", "Awal bulan L"]
    assert header[-1] == "Laporan"
    by_code = {r[2]: r for r in rows[1:]}
    sent, missing = by_code["61.01.12.2001"], by_code["61.01.12.2002"]
    assert sent[3:5] == [150, 145] and sent[-1] == "final"
    assert missing[3] is None and missing[-1] == "belum mengirim"
    assert rows[-1][0] == "JUMLAH" and rows[-1][3] == 150


@pytest.mark.parametrize(
    "query", ["bulan=13", "bulan=²", "tahun=abc", "tahun=20260", "tahun=2099&bulan=1"]
)
def test_a_bad_month_gets_a_message_not_a_500(hub_app, officer, query):
    got = officer().get(f"/hub/reports?{query}")
    assert got.status_code == 422
    assert "Bulan" in got.get_data(as_text=True) or "belum berjalan" in got.get_data(
        as_text=True
    )


def test_every_village_bundle_carries_three_months_of_reports(app, sync, make_resident):
    """The running month (not final yet) and the two before it, as the village's
    own Buku Rekapitulasi counts them; a newer bundle replaces each month."""
    import datetime as dt

    from desa.hub.models import HubMonthlyReport
    from desa.papers.report import monthly

    for i in range(3):
        make_resident(name=f"WARGA {i}", sex="L" if i else "P", dusun="Dusun Hulu")
    got = sync.apply(sync.export())
    assert got.changes == 3  # the reports ride along, not counted as changes
    today = dt.date.today()
    with app.app_context():
        own = monthly(today.year, today.month, today).to_dict()
    kept = sync.hub_rows(HubMonthlyReport)
    assert len(kept) == 3
    running = next(r for r in kept if (r.year, r.month) == (today.year, today.month))
    assert not running.final and all(r.final for r in kept if r is not running)
    total = running.body["total"]
    assert (total["end_l"], total["end_p"]) == (
        own["end_totals"]["L"],
        own["end_totals"]["P"],
    )
    assert total["end_l"] + total["end_p"] >= 3

    make_resident(name="WARGA BARU", sex="P", dusun="Dusun Hulu")
    sync.apply(sync.export())
    again = sync.hub_rows(
        HubMonthlyReport,
        HubMonthlyReport.year == today.year,
        HubMonthlyReport.month == today.month,
    )
    assert len(again) == 1
    assert again[0].body["total"]["end_p"] == total["end_p"] + 1
