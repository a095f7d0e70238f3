"""Forms in one pass (GOV.UK's pattern): every problem at once in a summary at the
top, each linking to its field; required fields marked."""

from __future__ import annotations

import re

from conftest import csrf_from


def test_a_form_with_errors_lists_them_all_at_the_top(client, login):
    login("clerk")
    page = client.get("/residents/new").get_data(as_text=True)
    resp = client.post(
        "/residents/new",
        data={
            "nik": "",
            "name": "",
            "birth_date": "kemarin",
            "csrf_token": csrf_from(page),
        },
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    summary = body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    # The service's sentence heads the summary (it is not flashed a second time).
    assert "Data penduduk belum benar" in summary
    assert body.count("Data penduduk belum benar") == 1
    links = re.findall(r'<a href="#([\w-]+)">', summary)
    assert {"name", "birth_date"} <= set(links)
    # The summary comes before the form, and every link points at a real field.
    main = body.split("<main", 1)[1]
    assert main.index('class="error-summary"') < main.index("<form")
    for target in links:
        assert f'id="{target}"' in body


def test_a_clean_form_has_no_summary_and_marks_required_fields(client, login):
    login("clerk")
    body = client.get("/residents/new").get_data(as_text=True)
    assert 'class="error-summary"' not in body
    wrapper = body.split('<label for="name">', 1)[0].rsplit("<div", 1)[1]
    assert "data-needed" in wrapper  # the star comes from the stylesheet
    assert re.search(
        r'<input[^>]*aria-required="true"[^>]*id="name"', body
    ) or re.search(r'<input[^>]*id="name"[^>]*aria-required="true"', body)


def test_a_duplicate_nik_is_said_first_with_a_link_to_the_resident(
    client, login, make_resident
):
    existing = make_resident(name="SITI AMINAH")
    login("clerk")
    page = client.get("/residents/new").get_data(as_text=True)
    resp = client.post(
        "/residents/new",
        # Other fields are wrong too: the NIK already there is what matters first.
        data={"nik": existing.nik, "name": "", "csrf_token": csrf_from(page)},
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    summary = body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "sudah terdaftar" in summary and "Nama wajib diisi" not in summary
    link = re.search(r'<a href="(/residents\?q=\d{16})">Buka data penduduk', body)
    assert link
    listing = client.get(link.group(1)).get_data(as_text=True)
    assert "SITI AMINAH" in listing
