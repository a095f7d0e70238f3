"""Letters: issuing one (number, sign, render, QR, store), a bare reportlab letter, merging.

Run with the project's venv: `.venv/bin/python bench/letters.py [--residents 20000]
[--letters 1000] [--small] [--database-url URL]`.
Prints one line per figure: `name: value unit (target ≤ X) ok|MISS`.

Issuing goes through the real service (`desa.letters.services.issue`) in a real app
on a fresh SQLite instance holding 20,000 residents, one write transaction per
letter as a request makes it: find the letter as the viewer may see it, lock and
re-check the draft, allocate the number from its counter row, sign the QR token,
render, write the PDF durably (fsync) with its SHA-256, audit, commit; wall and CPU
time, and the SQL statements it ran. The 1,000 issued letters are then printed as
one PDF through the product's own path (`archive.merged_pdf`, the archive's "print
the chosen letters"): scoped query, stored files read back, merged. The bare
baseline draws the same letter text and QR data on a plain reportlab canvas in the
same run, the QR made by the qrcode library as anyone would call it and drawn module
by module; a second baseline fixes the QR mask, skipping qrcode's slow scoring of
all eight (desa.documents.qr scores them itself, faster).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time

from _common import add_options, baseline, figure, percentile, temp_instance

INSTANCE = temp_instance()

import qrcode  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
)
from flask_migrate import upgrade  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from qrcode.constants import ERROR_CORRECT_M  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.lib.utils import simpleSplit  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from desa import create_app  # noqa: E402
from desa.auth.actor import Actor, Via  # noqa: E402
from desa.auth.models import User  # noqa: E402
from desa.auth.services import create_user  # noqa: E402
from desa.core.db import mark_write_intent  # noqa: E402
from desa.core.village import require_village, set_village  # noqa: E402
from desa.documents.qr import BORDER, qr_rows  # noqa: E402
from desa.extensions import db  # noqa: E402
from desa.letters import archive, documents, services  # noqa: E402
from desa.letters import token as tokens  # noqa: E402
from desa.letters.models import Letter  # noqa: E402
from desa.letters.pdf import LetterDocument, render_letter  # noqa: E402
from desa.letters.pdf.letter import QR_MODULE  # noqa: E402
from desa.residents.demo import build_rows  # noqa: E402
from desa.residents.models import Resident  # noqa: E402
from desa.trust import bundle  # noqa: E402
from desa.trust.keys import ensure_active_key  # noqa: E402

TODAY = dt.date(2026, 11, 23)
PASSWORD = "kata-sandi-bench-2026"
PURPOSES = (
    "Pengurusan BPJS Kesehatan",
    "Pendaftaran sekolah anak",
    "Persyaratan melamar pekerjaan",
    "Pengurusan kredit usaha rakyat",
)
RESIDENTS = 20_000
LETTERS = 1000  # all issued, then printed as one PDF
BASELINE_LETTERS = 200  # the render and bare-canvas yardsticks
INSERT_CHUNK = 5000


def setup(app, residents: int, count: int) -> tuple[int, list[str]]:
    """A village, its head, `residents` residents and `count` drafts (services)."""
    with app.app_context():
        upgrade()
        set_village("61.01.12.2002")
        ensure_active_key(Actor(today=TODAY, via=Via.CLI))
        head = create_user(
            Actor(today=TODAY, via=Via.CLI),
            "kades",
            PASSWORD,
            "head",
            full_name="H. Abdul Rahman, S.Sos.",
        )
        rows, _meta = build_rows(max(residents, 300), 7, TODAY, "61.01.12.2002")
        for start in range(0, len(rows), INSERT_CHUNK):
            db.session.execute(
                insert(Resident.__table__), rows[start : start + INSERT_CHUNK]
            )
        db.session.commit()
        adults = db.session.scalars(
            select(Resident)
            .where(Resident.birth_date < dt.date(2006, 1, 1))
            .where(Resident.life_status == "active")
            .limit(count)
        ).all()
        as_head = Actor(principal=head, today=TODAY)
        drafts = [
            services.create_draft(
                as_head, "SKD", resident, PURPOSES[i % len(PURPOSES)], {}
            )
            for i, resident in enumerate(adults)
        ]
        db.session.commit()
        return head.id, [letter.public_id for letter in drafts]


def issue_all(
    app, head_id: int, public_ids: list[str]
) -> tuple[list[float], list[float], list[int]]:
    """Issues each draft in its own write transaction, as `POST …/issue` does.

    Returns wall and CPU milliseconds and the SQL statements of each letter.
    """
    wall, cpu, statements = [], [], []
    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for public_id in public_ids:
            with app.app_context():
                mark_write_intent()
                head = db.session.get(User, head_id)  # the request's signed-in user
                counted[0] = 0
                start, start_cpu = time.perf_counter(), time.process_time()
                actor = Actor(principal=head, today=TODAY)
                services.issue(actor, services.visible_letter(actor, public_id))
                db.session.commit()
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                statements.append(counted[0])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return wall, cpu, statements


def print_merged(
    app, head_id: int, public_ids: list[str]
) -> tuple[bytes, float, float]:
    """The issued letters as one PDF to print, through the archive's own path."""
    with app.app_context():
        actor = Actor(principal=db.session.get(User, head_id), today=TODAY)
        start, start_cpu = time.perf_counter(), time.process_time()
        data, count = archive.merged_pdf(actor, public_ids)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - start_cpu
        db.session.rollback()
    assert count == len(public_ids), count
    return data, seconds, cpu_seconds


def same_documents(app, head_id: int, public_ids: list[str]) -> list[LetterDocument]:
    """The issued letters' documents, rebuilt as `issue` built them (for the baseline)."""
    out = []
    with app.app_context():
        head = db.session.get(User, head_id)
        village = require_village()
        for public_id in public_ids:
            letter = db.session.scalar(
                select(Letter).where(Letter.public_id == public_id)
            )
            name, title = services.signer_for(head, village)
            out.append(
                documents.build_document(
                    letter_type=letter.type,
                    resident=letter.resident,
                    purpose=letter.purpose,
                    fields=letter.fields or {},
                    village=village,
                    on=letter.issued_on,
                    signer_name=name,
                    signer_title=title,
                    number=letter.number,
                    qr_url=services.verify_url(letter.token),
                    valid_until=letter.valid_until,
                    draft=False,
                )
            )
        db.session.rollback()
    return out


def bare_letter(doc: LetterDocument, mask: int | None = None) -> bytes:
    """The same letter on a plain canvas: drawString lines, a module-by-module QR.

    `mask=None` lets qrcode choose the mask as it does by default (it scores all
    eight); a fixed mask skips that, the cheapest symbol qrcode can make.
    """
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    width, height = A4
    left, right = 25 * mm, width - 20 * mm
    y = height - 20 * mm
    head = doc.letterhead
    for text, size in (
        (f"PEMERINTAH {head.regency.upper()}", 14),
        (head.district.upper(), 14),
        (f"KANTOR {head.village_title.upper()}", 17),
        (head.address or "", 10),
    ):
        c.setFont("Times-Bold", size)
        c.drawCentredString(width / 2, y, text)
        y -= size + 4
    c.line(left, y, right, y)
    y -= 30
    c.setFont("Times-Bold", 14)
    c.drawCentredString(width / 2, y, doc.title.upper())
    y -= 16
    c.setFont("Times-Roman", 12)
    c.drawCentredString(width / 2, y, f"Nomor: {doc.number}")
    y -= 24
    for part in (doc.addressee or "").split("\n") if doc.addressee else []:
        c.drawString(left, y, part)
        y -= 16
    for text in doc.paragraphs_before:
        for line in simpleSplit(text, "Times-Roman", 12, right - left):
            c.drawString(left, y, line)
            y -= 16
    for label, value in doc.data_rows:
        c.drawString(left + 35, y, label)
        c.drawString(left + 160, y, f": {value}")
        y -= 16
    for text in doc.paragraphs_after + ([doc.valid_until] if doc.valid_until else []):
        for line in simpleSplit(text, "Times-Roman", 12, right - left):
            c.drawString(left, y, line)
            y -= 16
    y -= 14
    for text in [doc.place_date, *doc.signer_title.split("\n")]:
        c.drawCentredString(right - 100, y, text)
        y -= 16
    c.drawCentredString(right - 100, y - 70, doc.signer_name)
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, mask_pattern=mask)
    q.add_data(doc.qr_url)
    q.make(fit=True)
    matrix = q.get_matrix()
    module = 32 * mm / len(matrix)
    top = y + 20
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(
                    left + col * module,
                    top - (r + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    c.drawString(left, top - 32 * mm - 10, "Pindai untuk memeriksa keaslian")
    c.showPage()
    c.save()
    return buf.getvalue()


def token_throughput(letter_tokens: list[str]) -> tuple[float, float]:
    """Signatures and verifications per second on the issued letters' claims."""
    key = Ed25519PrivateKey.generate()
    claims = [tokens.read(t).claims for t in letter_tokens]
    rounds = max(1, 20_000 // len(claims))
    start = time.perf_counter()
    signed = [tokens.sign(c, key) for _ in range(rounds) for c in claims]
    sign_rate = len(signed) / (time.perf_counter() - start)
    public = key.public_key()
    start = time.perf_counter()
    good = sum(tokens.verify(t, public) is not None for t in signed)
    verify_rate = len(signed) / (time.perf_counter() - start)
    assert good == len(signed)
    return sign_rate, verify_rate


def kabupaten_list(
    villages: int, keys_each: int, revocations: int
) -> tuple[bytes, list[str], Ed25519PrivateKey]:
    """A signed kabupaten trust list, and real tokens from its villages (some revoked)."""
    zone = dt.timezone(dt.timedelta(hours=7))
    entries, letter_tokens = [], []
    per_village = revocations // villages
    for v in range(villages):
        code = f"61.01.{v // 20 + 1:02d}.{2001 + v % 20:04d}"
        keys = [Ed25519PrivateKey.generate() for _ in range(keys_each)]
        entries.append(
            {
                "code": code,
                "name": f"Desa Uji {v + 1}",
                "keys": [
                    {
                        "kid": tokens.kid_of(k.public_key()),
                        "alg": "Ed25519",
                        "public_key": tokens.b64url(
                            tokens.raw_public_key(k.public_key())
                        ),
                        "status": "active" if i == keys_each - 1 else "retired",
                        "created": "2026-01-01T08:00:00+07:00",
                        "retired": None if i == keys_each - 1 else "2026-06-30",
                    }
                    for i, k in enumerate(keys)
                ],
                "revoked": [
                    {"id": f"r{v:04d}x{r:06d}", "revoked_on": "2026-11-30"}
                    for r in range(per_village)
                ],
            }
        )
        for r in range(5):
            letter_id = f"r{v:04d}x{r:06d}" if r == 0 else f"ok{v:04d}x{r:06d}"
            claims = tokens.Claims(
                village_code=code,
                kid=tokens.kid_of(keys[-1].public_key()),
                letter_id=letter_id,
                number=f"SKD/{r + 1:03d}/{2001 + v % 20}/XII/2026",
                type_code="SKD",
                issued_on=dt.date(2026, 12, 7),
                valid_until=dt.date(2027, 3, 7),
                holder="S*** A*****",
                nik="6101********0001",
            )
            letter_tokens.append(tokens.sign(claims, keys[-1]))
    hub = Ed25519PrivateKey.generate()
    document = bundle.make(
        kind="kabupaten",
        issuer_code="61.01",
        issuer_name="Disdukcapil Kabupaten Sambas",
        made_at=dt.datetime(2026, 12, 7, 8, 0, tzinfo=zone),
        villages=entries,
        kid=tokens.kid_of(hub.public_key()),
        private_key=hub,
    )
    return bundle.dump(document), letter_tokens, hub


def qr_figures(urls: list[str]) -> None:
    """Each QR's length, version, modules and printed size (the longest URL seen)."""
    url = max(urls, key=len)
    rows = qr_rows(url)
    modules = len(rows) - 2 * BORDER
    version = (modules - 17) // 4
    side_mm = modules * QR_MODULE * 25.4 / 72
    baseline(
        f"letter QR: {len(url)}-character URL → version {version}, {modules} modules, "
        f"printed side (mm)",
        side_mm,
        "mm",
    )
    figure(
        "letter QR module at 72 dpi (pixels, whole = crisp)", QR_MODULE, "px", 2, True
    )
    figure("letter QR version", version, "", 10)


def timed_ms(fn, items) -> list[float]:
    samples = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    parser.add_argument("--letters", type=int, default=LETTERS)
    args = add_options(parser).parse_args()
    if args.small:
        args.residents, args.letters = 2_000, 50

    app = create_app()
    head_id, public_ids = setup(app, args.residents, args.letters)
    issued, issued_cpu, statements = issue_all(app, head_id, public_ids)
    docs = same_documents(app, head_id, public_ids[:BASELINE_LETTERS])
    bare = timed_ms(bare_letter, docs)
    bare_fixed = timed_ms(lambda doc: bare_letter(doc, mask=0), docs)
    renders = timed_ms(render_letter, docs)

    with app.app_context():
        sizes = [
            len(documents.read_pdf(path))
            for path in db.session.scalars(
                select(Letter.pdf_path).where(Letter.public_id.in_(public_ids))
            )
        ]

    merged, merge_s, merge_cpu = print_merged(app, head_id, public_ids)
    assert len(PdfReader(io.BytesIO(merged)).pages) == len(public_ids)

    issue_ms = statistics.median(issued)
    bare_ms = statistics.median(bare)
    n = len(issued)
    figure(
        f"issuing one letter at {args.residents:,} residents, real service path, "
        f"median of {n}",
        issue_ms,
        "ms",
        25,
    )
    baseline(
        "issuing one letter, CPU time, median", statistics.median(issued_cpu), "ms"
    )
    baseline(
        "SQL statements per issued letter, median", statistics.median(statements), ""
    )
    baseline(
        "render_letter alone, same letters, median", statistics.median(renders), "ms"
    )
    fixed_ms = statistics.median(bare_fixed)
    baseline("bare reportlab canvas, same letter and QR, median", bare_ms, "ms")
    figure("issuing / bare reportlab", issue_ms / bare_ms, "x", 3)
    baseline(
        "bare reportlab, QR with a fixed mask (no scoring), median", fixed_ms, "ms"
    )
    figure("issuing / bare reportlab with a fixed-mask QR", issue_ms / fixed_ms, "x", 3)
    figure(
        f"{n} issued letters printed as one PDF (archive.merged_pdf, "
        f"{len(merged) / 1e6:.1f} MB)",
        merge_s,
        "s",
        15,
    )
    baseline("that print, CPU time", merge_cpu, "s")
    figure("size per issued letter, mean", statistics.mean(sizes) / 1024, "KB", 60)

    with app.app_context():
        letter_tokens = list(
            db.session.scalars(
                select(Letter.token).where(Letter.public_id.in_(public_ids))
            )
        )
        qr_figures([services.verify_url(t) for t in letter_tokens])
    sign_rate, verify_rate = token_throughput(letter_tokens)
    figure("token signatures per second (Ed25519, Python)", sign_rate, "/s", 5000, True)
    figure("token verifications per second", verify_rate, "/s", 5000, True)

    villages, revoked = (20, 1_000) if args.small else (200, 10_000)
    data, kab_tokens, hub = kabupaten_list(villages, 3, revoked)
    start = time.perf_counter()
    trust = bundle.load(data, anchors=[hub.public_key()])
    load_ms = (time.perf_counter() - start) * 1000
    baseline(
        f"loading the kabupaten list ({villages} villages × 3 keys, "
        f"{revoked:,} revocations, "
        f"{len(data) / 1e6:.1f} MB)",
        load_ms,
        "ms",
    )
    today = dt.date(2026, 12, 8)
    checks = timed_ms(lambda t: bundle.check(trust, t, today), kab_tokens)
    states = {bundle.check(trust, t, today).state for t in kab_tokens}
    assert states == {bundle.VALID, bundle.REVOKED}, states
    figure(
        f"offline check of one letter against that list, p99 of {len(checks)}",
        percentile(checks, 99),
        "ms",
        5,
    )


if __name__ == "__main__":
    main()
