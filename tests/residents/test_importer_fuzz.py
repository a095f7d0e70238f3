"""Whatever file a clerk brings, the import answers with a verdict, never a crash.

Hypothesis writes the files: random bytes, text in other encodings, huge cells,
formula cells, rows of any width. Each run ends either in a clear refusal of the
whole file (`ImportFileError`, an Indonesian sentence) or in a result where every
row is accounted for: imported + updated + unchanged + rejected = rows read.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desa.auth.actor import command_actor
from desa.core.db import mark_write_intent
from desa.residents.importer import ImportFileError, run_import

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HEADER = ["nik", "name", "birth_date", "sex", "rt", "rw", "phone", "ektp_status"]
cell = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[0-9]{10,20}", fullmatch=True),
    st.sampled_from(
        [
            "=1+1",
            "+62812",
            "-3",
            "@SUM(A1)",
            "6.10112E+15",
            "٦١٠١",
            "31-02-2000",
            "2000-13-01",
            "\x00",
            "P",
            "L",
            "9",
        ]
    ),
    st.integers(5000, 200_000).map(lambda n: "A" * n),  # huge cells, cheaply
)


def _attempt(path):
    from desa.extensions import db

    mark_write_intent()
    try:
        result = run_import(
            command_actor(),
            path,
            actor_name="uji",
            rejects_path=path.with_name("r.csv"),
        )
    except ImportFileError as err:
        db.session.rollback()
        assert err.message and "Traceback" not in err.message
        return None
    db.session.rollback()
    return result


@FUZZ
@given(data=st.binary(max_size=4000))
def test_random_bytes_are_refused_or_accounted_for(db, tmp_path, data):
    path = tmp_path / "acak.csv"
    path.write_bytes(data)
    result = _attempt(path)
    if result is not None:
        assert result.summary.startswith("imported ")
        assert result.rejected == 0 or result.first_errors


@FUZZ
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=10), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_any_table_gives_every_row_a_verdict(db, tmp_path, rows, encoding, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / "warga.csv"
    try:
        path.write_bytes(buffer.getvalue().encode(encoding))
    except UnicodeEncodeError:
        return  # the text cannot exist in that encoding; nothing to test
    result = _attempt(path)
    if result is None:
        return
    counted = result.imported + result.updated + result.unchanged + result.rejected
    nonblank = sum(1 for r in rows if any(str(c).strip() for c in r))
    assert counted <= len(rows)
    assert counted >= nonblank - sum(1 for r in rows if len(r) == 0)


@pytest.mark.parametrize("name", ["kosong.csv", "kosong.xlsx"])
def test_an_empty_file_is_one_clear_sentence(db, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(ImportFileError) as err:
        mark_write_intent()
        run_import(command_actor(), path, actor_name="uji")
    assert err.value.message
