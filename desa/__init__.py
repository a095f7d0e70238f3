"""desa: a service desk for Indonesian village offices."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

__all__ = ["create_app"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Any = None) -> Flask:
    """Builds the app: extensions, blueprints, error handlers and the CLI."""
    from config import Config
    from desa.core.unit_of_work import UnitOfWorkFlask

    cfg = config if config is not None else Config()
    app = UnitOfWorkFlask(
        __name__,
        instance_path=getattr(cfg, "INSTANCE_PATH", None) or Config().INSTANCE_PATH,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.config.from_object(cfg)
    from desa.core.files import owner_only

    owner_only()  # the database, imports, exports and backups: 0600 / 0700
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    _bound_int_ids(app)
    _register_blueprints(app)
    import desa.scopes  # noqa: F401 - fills the scope registry
    from desa.core.errors import register_error_handlers
    from desa.core.logging import install_mask_filter
    from desa.core.security import init_security
    from desa.core.templating import init_templating

    register_error_handlers(app)
    init_security(app)
    init_templating(app)
    install_mask_filter(app.logger.name)

    from desa.cli import register_commands

    register_commands(app)
    return app


def _bound_int_ids(app: Flask) -> None:
    # Before any route is added: rules take their converters when they are made.
    from desa.core.security import IdConverter

    app.url_map.converters["int"] = IdConverter


def _init_extensions(app: Flask) -> None:
    from flask_babel import Babel  # noqa: F401 - imported for the type only

    from desa.auth.login import init_login
    from desa.core.db import configure_engine
    from desa.extensions import babel, csrf, db, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(ROOT, "migrations"),
        compare_type=True,
        render_as_batch=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    init_login(app)


def _select_locale() -> str:
    from flask import current_app, has_request_context, session

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    langs = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in langs:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_blueprints(app: Flask) -> None:
    from desa.appointments.blueprints import BLUEPRINTS as appointments_bps
    from desa.auth.api import bp as auth_api
    from desa.auth.views import bp as auth_bp
    from desa.campaign.views import bp as campaign_bp
    from desa.exports.api import bp as recording_api
    from desa.exports.views import bp as exports_bp
    from desa.home.views import bp as home_bp
    from desa.hub.api import bp as hub_api
    from desa.hub.views import bp as hub_bp
    from desa.letters.admin_views import bp as letter_admin_bp
    from desa.letters.api import bp as letters_api
    from desa.letters.public_views import bp as letters_public_bp
    from desa.letters.self_views import bp as resident_letters_bp
    from desa.letters.views import bp as letters_bp
    from desa.maintenance.views import bp as maintenance_bp
    from desa.papers.temporary_views import bp as temporary_bp
    from desa.papers.views import bp as papers_bp
    from desa.residents.api import bp as residents_api
    from desa.residents.import_views import bp as residents_import_bp
    from desa.residents.self_views import bp as resident_self_bp
    from desa.residents.staff_views import bp as residents_bp
    from desa.residents.views import resident_bp
    from desa.trust.views import bp as trust_bp

    for bp in (
        home_bp,
        auth_bp,
        auth_api,
        resident_bp,
        residents_api,
        residents_bp,
        residents_import_bp,
        temporary_bp,
        papers_bp,
        resident_self_bp,
        letters_public_bp,
        letters_api,
        letters_bp,
        letter_admin_bp,
        resident_letters_bp,
        *appointments_bps,
        recording_api,
        exports_bp,
        maintenance_bp,
        trust_bp,
        hub_api,
        hub_bp,
        campaign_bp,
    ):
        app.register_blueprint(bp)
