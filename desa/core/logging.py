"""Log filtering so that no log line carries a full NIK (UU PDP 27/2022)."""

from __future__ import annotations

import logging

from desa.core.formatting import mask_text


class MaskNikFilter(logging.Filter):
    """Rewrites a record's message and traceback with every NIK masked (mask_text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the line
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        # A traceback can quote a NIK too (a database error's parameters).
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install_mask_filter(*logger_names: str) -> None:
    """Attaches the mask to the named loggers and every handler of the root logger."""
    mask = MaskNikFilter()
    for name in ("", "werkzeug", "gunicorn.access", "gunicorn.error", *logger_names):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskNikFilter) for f in logger.filters):
            logger.addFilter(mask)
        for handler in logger.handlers:
            if not any(isinstance(f, MaskNikFilter) for f in handler.filters):
                handler.addFilter(mask)
