"""WSGI entry point: `gunicorn wsgi:app` (and `flask run`, FLASK_APP=wsgi)."""

from desa import create_app
from desa.maintenance.schedule import start_scheduler

app = create_app()
# The daily automatic backup runs in the serving processes (DESA_BACKUP_AUTO=0: off).
start_scheduler(app)
