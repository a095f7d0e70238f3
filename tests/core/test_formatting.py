import datetime as dt
import logging
import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desa.core.formatting import (
    format_date,
    format_day_date,
    mask_name,
    mask_nik,
    mask_text,
    month_roman,
)
from desa.core.logging import MaskNikFilter
from desa.core.spreadsheet import csv_bytes, safe_cell


def test_dates_are_written_the_indonesian_way():
    assert format_date(dt.date(2026, 11, 23)) == "23 November 2026"
    assert format_date(dt.date(2027, 2, 1)) == "1 Februari 2027"
    assert format_day_date(dt.date(2026, 11, 23)) == "Senin, 23 November 2026"
    assert format_date(None) == ""


def test_roman_months_for_letter_numbers():
    assert [month_roman(m) for m in range(1, 13)] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
        "XII",
    ]


def test_nik_masking():
    assert mask_nik("6101124503090001") == "6101********0001"
    assert mask_text("NIK 6101124503090001, KK 6101120101000001.") == (
        "NIK 6101********0001, KK 6101********0001."
    )
    # 17 digits is not a NIK; do not half-mask it.
    assert mask_text("12345678901234567") == "12345678901234567"
    assert mask_name("Siti Aminah") == "S*** A*****"


@given(st.text())
def test_masked_text_never_holds_sixteen_digits_in_a_row(text):
    import re

    masked = mask_text(text)
    for run in re.findall(r"\d+", masked):
        assert len(run) != 16 or run not in text


def test_log_filter_masks_nik_in_formatted_messages():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 "GET /api/v1/residents/%s HTTP/1.1" 200',
        ("6101124503090001",),
        None,
    )
    MaskNikFilter().filter(record)
    assert "6101124503090001" not in record.getMessage()
    assert "6101********0001" in record.getMessage()


def test_formula_cells_are_escaped():
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("@SUM") == "'@SUM"
    assert safe_cell("-1+2") == "'-1+2"
    assert safe_cell("SITI") == "SITI"
    data = csv_bytes(["a"], [["+628123"]]).decode("utf-8-sig")
    assert "'+628123" in data


NIK = "6101122602730001"
SPLIT_NIKS = [
    # (as written, as masked)
    ("?q=%206101122602730001", "?q=%206101********0001"),
    ("?q=6101122602730001%20", "?q=6101********0001%20"),
    ("6101-1226-0273-0001", "6101-****-****-0001"),
    ("6101 1226 0273 0001", "6101 **** **** 0001"),
    ("6101.1226.0273.0001", "6101.****.****.0001"),
    ("?q=6101+1226+0273+0001&page=2", "?q=6101+****+****+0001&page=2"),
    ("?q=6101%201226%2D0273%2e0001", "?q=6101%20****%2D****%2e0001"),
    ("61.01.12.260273.0001", "61.01.**.******.0001"),
    (
        "?q=%36%31%30%31%31%32%32%36%30%32%37%33%30%30%30%31",
        "?q=%36%31%30%31********%30%30%30%31",
    ),
]


@pytest.mark.parametrize(("text", "masked"), SPLIT_NIKS)
def test_mask_catches_niks_split_by_separators_or_url_encoding(text, masked):
    assert mask_text(text) == masked


def test_mask_leaves_ordinary_numbers_alone():
    line = '127.0.0.1 - - [06/Dec/2026 21:46:53] "GET /x?page=2 HTTP/1.1" 200 5120'
    assert mask_text(line) == line
    assert mask_text("Rp 900.000, telepon 0812-3456-7890") == (
        "Rp 900.000, telepon 0812-3456-7890"
    )
    assert mask_text("12345678901234567") == "12345678901234567"


def _digits(text: str) -> str:
    from urllib.parse import unquote_plus

    return re.sub(r"\D", "", unquote_plus(text))


@pytest.mark.parametrize(("text", "_masked"), SPLIT_NIKS)
def test_log_filter_masks_every_form_in_werkzeug_and_gunicorn_lines(text, _masked):
    werkzeug = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"GET /residents%s HTTP/1.1" 200',
        (text,),
        None,
    )
    # gunicorn's access log formats its atoms from a mapping.
    gunicorn = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(s)s', None, None
    )
    gunicorn.args = {"r": f"GET /api/v1/residents{text} HTTP/1.1", "s": "200"}
    for record in (werkzeug, gunicorn):
        MaskNikFilter().filter(record)
        assert NIK not in _digits(record.getMessage())
        assert "****" in record.getMessage()


def test_log_filter_masks_a_nik_quoted_in_a_traceback():
    try:
        raise ValueError(f"duplicate key 6101-1226-0273-0001 / {NIK}")
    except ValueError:
        record = logging.LogRecord(
            "desa", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    MaskNikFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "6101-****-****-0001" in text and "6101********0001" in text
    assert NIK not in _digits(text.replace("6101-****-****-0001", ""))


def test_gunicorn_access_log_uses_the_mask(capsys):
    import logging.config
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    config = conf["logconfig_dict"]
    access = logging.getLogger("gunicorn.access")
    saved = (access.handlers[:], access.level, access.propagate, access.filters[:])
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    try:
        logging.config.dictConfig(config)
        access.info(
            '"%(r)s" %(s)s',
            {"r": "GET /api/v1/residents?q=6101-1226-0273-0001", "s": 200},
        )
    finally:
        access.handlers, access.level, access.propagate, access.filters = saved
        root.handlers, root.level = saved_root
    err = capsys.readouterr().err
    assert "6101-****-****-0001" in err
    # The line's time and process id may hold the same digits by chance.
    assert "1226" not in err.split("gunicorn.access:", 1)[-1]


@pytest.mark.parametrize(("text", "masked"), SPLIT_NIKS)
def test_audit_details_are_masked_in_every_form(app, db, make_actor, text, masked):
    from desa.auth import audit

    with app.app_context():
        event = audit.record(make_actor(), "residents.search", detail=f"q={text}")
        assert event.detail == f"q={masked}"
