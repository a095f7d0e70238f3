"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import os

bind = os.environ.get("DESA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DESA_WORKERS", "2"))
worker_class = "sync"
timeout = 120  # imports of a whole regency run in the background, not in a request
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("DESA_PROXY_IPS", "127.0.0.1")

# Every log line passes the NIK mask (UU PDP 27/2022): no full NIK in any log.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_nik": {"()": "desa.core.logging.MaskNikFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_nik"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        },
        "gunicorn.access": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}
