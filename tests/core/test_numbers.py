"""Numbers people type in URLs and forms: a page or a list, never a 500."""

from __future__ import annotations

import pytest

from desa.core.numbers import PAGE_MAX, whole_number

HUGE = "9" * 30


def test_whole_number_takes_plain_digits_in_bounds_only():
    assert whole_number("42") == 42
    assert whole_number(" 7 ") == 7
    assert whole_number(7) == 7
    for raw in ("²", "٣", "1_000", "-1", "", None, "x", HUGE, str(2**31)):
        assert whole_number(raw) is None, raw
    assert whole_number("0", 1) is None


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("admin", f"/admin/audit?page={HUGE}"),
        ("admin", "/admin/audit?page=-5"),
        ("admin", "/admin/audit?page=%C2%B2"),
        ("clerk", f"/recording?page={HUGE}"),
        ("clerk", f"/residents/import/?page={HUGE}"),
        ("clerk", "/letters/register?month=%C2%B2"),
        ("clerk", "/letters/register?year=%C2%B2"),
        ("clerk", f"/letters/register?year={HUGE}"),
    ],
)
def test_html_lists_answer_odd_numbers_with_a_page(client, login, role, url):
    login(role)
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)


def test_page_numbers_are_capped(app):
    from desa.core.numbers import page_number

    with app.test_request_context(f"/x?page={HUGE}"):
        assert page_number() == 1
    with app.test_request_context(f"/x?page={PAGE_MAX * 10}"):
        assert page_number() == PAGE_MAX
    with app.test_request_context("/x?page=3"):
        assert page_number() == 3
