"""The ticket's and the PIN slip's QR codes, printed and read back with zbar.

72 dpi stands for a cheap phone photo of the printout, 100 dpi for CONTRACT §8's
rendering; both must give back exactly what was encoded.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from scanning import pdf_qr_codes

from desa.appointments.pdf import PinSlip, Ticket, render_pin_slips, render_ticket

DPIS = (72, 100)
TICKET = Ticket(
    village="Desa Merubung",
    name="SITI AMINAH BINTI ABDULLAH",
    nik_masked="6101********0001",
    day="Senin, 23 November 2026",
    time="09:30",
    place="Kantor Desa Merubung",
    queue_number=12,
    code="K7M2Q9XA",
    bring="Kartu Keluarga",
)
LOGIN_URLS = (
    "http://192.168.100.200:5000/resident/login",  # a laptop on the office network
    "https://layanan.desa-merubung.sambas.go.id/resident/login",  # a long name
)


def slips(n: int) -> list[PinSlip]:
    return [
        PinSlip(
            name=f"WARGA SLIP {i}",
            nik_masked="6101********0001",
            area="RT 002/RW 001",
            pin=f"{100000 + i}",
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("dpi", DPIS)
def test_the_ticket_qr_reads_as_the_ticket_code(tmp_path, dpi):
    (page,) = pdf_qr_codes(render_ticket(TICKET), tmp_path, dpi)
    assert page == [TICKET.code]


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("url", LOGIN_URLS)
def test_every_pin_slip_carries_the_login_url_as_a_qr(tmp_path, dpi, url):
    pdf = render_pin_slips("Desa Merubung", url, slips(9))  # a full page and one more
    first, second = pdf_qr_codes(pdf, tmp_path, dpi)
    assert first == [url] * 8
    assert second == [url]


def test_the_slip_still_says_the_address_and_the_pin_in_words():
    url = LOGIN_URLS[1]
    pdf = render_pin_slips("Desa Merubung", url, slips(1))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert url in text and "100000" in text
    assert "Jangan beritahukan PIN kepada siapa pun." in " ".join(text.split())
