"""Import pages: permissions, upload → preview → start → progress → summary."""

import csv
import datetime as dt
import io
import os
import re
import socket

import pytest
from conftest import csrf_from, nik_for
from sqlalchemy import func, select
from waiting import wait_for_exit

from desa.residents.models import ImportJob, Resident

HEADER = ["NIK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "NO_RT", "NO_RW", "TELEPON"]
ROWS = [
    [nik_for(dt.date(1990, 5, 17), "L", 1), "BUDI", "L", "17-05-1990", "1", "1", ""],
    [nik_for(dt.date(1991, 6, 18), "P", 2), "SITI", "P", "18-06-1991", "1", "1", ""],
    [nik_for(dt.date(1992, 7, 19), "L", 3), "ANDI", "L", "32-07-1992", "1", "1", ""],
    ["6.10112E+15", "=cmd()", "L", "17-05-1990", "1", "1", "@x"],
]


@pytest.fixture
def app(app):
    """The app with the import pages, until create_app registers them itself."""
    from desa.core import templating
    from desa.residents.import_views import bp

    if bp.name in app.blueprints:
        yield app
        return
    app.register_blueprint(bp)
    yield app
    # The menu entry is process-wide; other tests' apps do not have the pages.
    templating._NAV[:] = [
        e for e in templating._NAV if e[2] != "residents_import.index"
    ]


def csv_bytes(rows, header=HEADER):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def upload(client, data, filename="warga desa.csv"):
    token = csrf_from(client.get("/residents/import/").get_data(as_text=True))
    return client.post(
        "/residents/import/",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def wait_for_summary(client, url):
    """Opens the job's page as a browser would, waits for its process, the summary."""
    from desa.residents import import_job

    resp = client.get(url)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    if "Hasil impor" in page:
        return page
    assert resp.headers["Refresh"] == "2"
    assert '<meta http-equiv="refresh" content="2">' in page
    job_id = int(url.rstrip("/").split("/")[-1])
    directory = import_job.job_dir(client.application.instance_path, job_id)
    pid = import_job.read_progress(directory)["pid"]
    wait_for_exit(pid, 60, f"import job {job_id}")
    resp = client.get(url)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Hasil impor" in page, page
    return page


@pytest.mark.parametrize("role", ["rt", "head", "employer"])
def test_roles_without_the_import_permission_get_403(client, login, role):
    login(role)
    assert client.get("/residents/import/").status_code == 403
    assert client.get("/residents/import/1").status_code == 403
    assert client.get("/residents/import/1/rejects.csv").status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    resp = client.get("/residents/import/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_upload_preview_start_progress_summary_and_rejects(app, client, login):
    from desa.extensions import db

    login("clerk")
    resp = upload(client, csv_bytes(ROWS), filename="../../etc/warga desa.csv")
    assert resp.status_code == 302
    preview_url = resp.headers["Location"]
    job_id = int(re.search(r"/residents/import/(\d+)/preview", preview_url).group(1))
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == "uploaded" and job.filename == "warga desa.csv"
        assert job.stored_path.endswith(f"imports/{job_id}/source.csv")
        assert "etc" not in job.stored_path

    page = client.get(preview_url).get_data(as_text=True)
    assert "koma (,)" in page and "NAMA_LGKP" in page and "TELEPON" in page
    assert "Baris" in page and "32-07-1992" in page  # the first rows' errors
    assert "<script>" not in page
    token = csrf_from(page)

    resp = client.post(f"/residents/import/{job_id}/start", data={"csrf_token": token})
    assert resp.status_code == 302
    summary = wait_for_summary(client, f"/residents/import/{job_id}")
    assert "penduduk baru" in summary and "ditolak" in summary

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == "done" and job.finished_at is not None
        assert (job.imported, job.updated, job.unchanged, job.rejected) == (2, 0, 0, 2)
        assert db.session.scalar(select(func.count(Resident.id))) == 2
    # Starting again does nothing: the job was claimed once.
    client.post(f"/residents/import/{job_id}/start", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(func.count(Resident.id))) == 2

    resp = client.get(f"/residents/import/{job_id}/rejects.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rejects = list(csv.reader(body.decode("utf-8-sig").splitlines()))
    assert rejects[0] == [*HEADER, "error"] and len(rejects) == 3
    assert rejects[2][1] == "'=cmd()" and rejects[2][6] == "'@x"
    assert "Excel" in rejects[2][7]

    listing = client.get("/residents/import/").get_data(as_text=True)
    assert "warga desa.csv" in listing and "selesai" in listing


def test_strict_web_import_saves_nothing(app, client, login):
    from desa.extensions import db

    login("clerk")
    resp = upload(client, csv_bytes(ROWS[:3]))
    job_id = int(resp.headers["Location"].split("/")[-2])
    token = csrf_from(client.get(resp.headers["Location"]).get_data(as_text=True))
    client.post(
        f"/residents/import/{job_id}/start", data={"csrf_token": token, "strict": "y"}
    )
    summary = wait_for_summary(client, f"/residents/import/{job_id}")
    assert "Mode ketat" in summary
    with app.app_context():
        assert db.session.scalar(select(func.count(Resident.id))) == 0
        assert db.session.get(ImportJob, job_id).rejected == 1


def test_a_file_without_required_columns_cannot_be_started(client, login):
    login("clerk")
    resp = upload(client, csv_bytes([["1", "x"]], header=["NIK", "ALAMAT"]))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Kolom wajib tidak ditemukan" in page
    assert "/start" not in page


def test_a_refused_upload_is_deleted_from_the_disk(app, client, login, db):
    from desa.residents import import_job
    from desa.residents.models import ImportJob

    login("clerk")
    resp = upload(client, csv_bytes([["1", "x"]], header=["NIK", "ALAMAT"]))
    job_url = resp.headers["Location"]
    assert "Kolom wajib tidak ditemukan" in client.get(job_url).get_data(as_text=True)
    db.session.rollback()
    job = db.session.scalar(select(ImportJob))
    assert job.status == "failed" and "Kolom wajib" in job.error
    assert not import_job.job_dir(app.instance_path, job.id).exists()
    # Opening the preview again shows the failed job, not a missing file.
    again = client.get(job_url)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/{job.id}")


def test_only_csv_and_xlsx_are_accepted(client, login):
    login("clerk")
    resp = upload(client, b"%PDF-1.4", filename="warga.pdf")
    assert resp.status_code == 422
    assert "Hanya berkas .csv atau .xlsx" in resp.get_data(as_text=True)


def _running_job(app, client, login):
    """A clerk's uploaded job marked running, as its process would: (id, folder)."""
    from desa.extensions import db
    from desa.residents import import_job

    login("clerk")
    resp = upload(client, csv_bytes(ROWS[:1]))
    job_id = int(resp.headers["Location"].split("/")[-2])
    with app.app_context():
        db.session.get(ImportJob, job_id).status = "running"
        db.session.commit()
    return job_id, import_job.job_dir(app.instance_path, job_id)


def test_a_job_whose_process_died_is_shown_as_failed(app, client, login):
    from desa.extensions import db
    from desa.residents import import_job

    job_id, directory = _running_job(app, client, login)
    # A pid that cannot exist on Linux (above pid_max), on this host.
    import_job.write_progress(
        directory,
        state="running",
        processed=0,
        total=1,
        pid=2**22 + 7,
        host=socket.gethostname(),
    )
    page = client.get(f"/residents/import/{job_id}").get_data(as_text=True)
    assert "berhenti sebelum selesai" in page
    with app.app_context():
        assert db.session.get(ImportJob, job_id).status == "failed"


def test_a_job_from_before_a_power_cut_is_failed_even_if_its_pid_is_reused(
    app, client, login
):
    from desa.residents import import_job

    job_id, directory = _running_job(app, client, login)
    # The pid is alive (this very process), but it was recorded in an earlier boot.
    import_job.write_progress(
        directory,
        state="running",
        processed=5,
        total=10,
        **{**import_job.identity(os.getpid()), "boot": "boot-sebelum-listrik-padam"},
    )
    assert import_job.abandoned(directory)
    page = client.get(f"/residents/import/{job_id}").get_data(as_text=True)
    assert "berhenti sebelum selesai" in page
    # The same pid in this boot is a job still running.
    import_job.write_progress(
        directory,
        state="running",
        processed=5,
        total=10,
        **import_job.identity(os.getpid()),
    )
    assert not import_job.abandoned(directory)


def test_the_progress_page_refreshes_itself_without_script(app, client, login):
    from desa.residents import import_job

    job_id, directory = _running_job(app, client, login)
    import_job.write_progress(
        directory,
        state="running",
        processed=30000,
        total=400000,
        pid=os.getpid(),
        host=socket.gethostname(),
    )
    resp = client.get(f"/residents/import/{job_id}")
    page = resp.get_data(as_text=True)
    assert resp.headers["Refresh"] == "2"
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress max="400000" value="30000">' in page
    assert "30.000 dari sekitar 400.000 baris" in page
    assert "<script>" not in page and " onload=" not in page
