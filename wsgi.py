"""WSGI entry point: `gunicorn wsgi:app`."""

from desa import create_app

app = create_app()
