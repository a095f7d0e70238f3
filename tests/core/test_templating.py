"""Enums in templates: members render as their values; a misspelt one is an error."""

import pytest
from jinja2 import UndefinedError, nodes

from desa.core.templating import TemplateEnum

ENUMS = {
    "Permission",
    "Role",
    "LetterStatus",
    "LetterRequestState",
    "LifeStatus",
    "EktpStatus",
    "CorrectionStatus",
    "ImportJobStatus",
    "SessionKind",
    "SessionStatus",
    "BookingStatus",
    "WaitlistStatus",
}


def _render(app, source: str, **context) -> str:
    with app.app_context():
        return app.jinja_env.from_string(source).render(**context)


def test_members_render_as_values_and_equal_the_stored_strings(app):
    html = _render(
        app,
        "{{ LetterStatus.ISSUED }} {{ status == LetterStatus.ISSUED }} "
        "{{ EktpStatus.SUDAH_REKAM }} {{ Permission.LETTERS_ISSUE }}",
        status="issued",
    )
    assert html == "issued True 3 letters:issue"


@pytest.mark.parametrize(
    "source",
    [
        "{{ LetterStatus.ISSUDE }}",
        "{% if status == LetterStatus.ISSUDE %}terbit{% endif %}",
        "{% if status in (LetterStatus.DRAFT, LetterStatus.ISSUDE) %}x{% endif %}",
    ],
)
def test_a_misspelt_member_fails_to_render(app, source):
    with pytest.raises(UndefinedError, match="LetterStatus has no member 'ISSUDE'"):
        _render(app, source, status="issued")


def test_a_misspelt_permission_fails_to_render(app):
    with pytest.raises(UndefinedError, match="Permission has no member"):
        _render(app, "{{ can(Permission.LETTERS_ISSUEE) }}", can=lambda p: True)


def test_every_enum_member_named_in_a_template_exists(app):
    """Also the branches no test renders: a typo there fails here."""
    env = app.jinja_env
    enums = {k: v for k, v in env.globals.items() if isinstance(v, TemplateEnum)}
    assert set(enums) == ENUMS
    named = 0
    with app.app_context():
        for name in env.list_templates(extensions=["html"]):
            source = env.loader.get_source(env, name)[0]
            for node in env.parse(source).find_all(nodes.Getattr):
                if isinstance(node.node, nodes.Name) and node.node.name in enums:
                    getattr(enums[node.node.name], node.attr)
                    named += 1
    assert named > 50


def test_a_stored_timestamp_is_dated_in_the_village_zone(app):
    import datetime as dt

    with app.test_request_context("/"):
        html = app.jinja_env.from_string("{{ a|tanggal }} / {{ b|tanggal }}").render(
            a=dt.datetime(2026, 11, 23, 23, 30),  # naive UTC: 06:30 WIB on the 24th
            b=dt.date(2026, 11, 23),
        )
    assert html == "24 November 2026 / 23 November 2026"
