import datetime as dt
import logging

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
