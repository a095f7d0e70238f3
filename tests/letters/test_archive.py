"""Many issued letters printed as one PDF (`archive.merged_pdf`)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from scanning import pdf_qr_codes

from desa.core.errors import ValidationError
from desa.letters import archive, services


def _merged(app, letters, public_ids):
    with app.app_context():
        return archive.merged_pdf(letters.as_clerk, public_ids)


def test_print_holds_every_chosen_letter_in_the_order_chosen(
    app, holder, letters, tmp_path
):
    issued = [letters.issue(letters.draft(holder, code)) for code in ("SKD", "SPSKCK")]
    issued.append(letters.issue(letters.draft(holder, "SKD", "Pendaftaran sekolah")))
    chosen = [issued[2], issued[0], issued[1]]  # not the order they were issued in
    draft = letters.draft(holder, "SKD")

    # A draft is left out and a letter chosen twice prints once.
    picked = [chosen[0], draft, chosen[1], chosen[0], chosen[2]]
    ids = [x if isinstance(x, str) else x.public_id for x in picked]
    data, count = _merged(app, letters, ids)

    assert count == 3
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == 3
    for page, letter in zip(pages, chosen, strict=True):
        assert letter.number in page.extract_text()
    with app.app_context():
        expected = [[services.verify_url(letter.token)] for letter in chosen]
    for dpi in (72, 100):
        assert pdf_qr_codes(data, tmp_path / str(dpi), dpi) == expected, dpi


def test_print_of_more_than_the_limit_is_refused_not_cut_short(
    app, holder, letters, monkeypatch
):
    issued = [letters.issue(letters.draft(holder)).public_id for _ in range(3)]
    monkeypatch.setattr(archive, "MAX_MERGE", 2)

    assert _merged(app, letters, issued[:2] + issued[:1])[1] == 2  # repeats not counted
    with pytest.raises(ValidationError) as refused:
        _merged(app, letters, issued)
    assert "Paling banyak 2 surat" in refused.value.message
    assert "3 dipilih" in refused.value.message
    assert refused.value.fields["ids"]


def test_a_thousand_letters_may_be_printed_at_once():
    assert archive.MAX_MERGE >= 1000
