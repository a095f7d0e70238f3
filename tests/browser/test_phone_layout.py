"""Every page fits a 360 px phone, for every role, in the demo village.

Each role signs in, then the test walks the pages it can reach by plain links
from its home page (two clicks deep), and on each one checks that nothing pushes
the page sideways: `document.documentElement.scrollWidth <= 360`. The same menu
fits one line on a 1280 px desktop and folds behind a button on the phone.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from desa.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PHONE = 360
STAFF = {
    "admin": "admin",
    "clerk": "operator",
    "head": "kades",
    "employer": "sawit",
}
# Links that do not lead to a page: files, sign-out, the language switch, the API.
SKIP = re.compile(
    r"(/static/|/api/|/logout|/lang|\.(pdf|csv|xlsx|ics|zip|png|svg)(\?|$)"
    r"|/(download|export|feed|pdf|attendance\.pdf)(/|\?|$))"
)
MAX_PAGES = 60


@pytest.fixture
def demo(runner, app):
    """The demo village: (RT head's username, resident NIK, resident PIN)."""
    with app.app_context():
        result = runner.invoke(args=["demo", "--residents", "120", "--seed", "7"])
    assert result.exit_code == 0, result.output
    rt = re.search(r"^\s*rt\s+(\S+)", result.output, re.M).group(1)
    nik, pin = re.search(r"NIK (\d{16})\s+PIN: (\S+)", result.output).groups()
    return rt, nik, pin


def _sign_in(page, base, role, demo):
    rt, nik, pin = demo
    if role == "resident":
        page.goto(f"{base}/resident/login")
        page.get_by_label("NIK").fill(nik)
        page.get_by_label("PIN").fill(pin)
    else:
        page.goto(f"{base}/login")
        page.get_by_label("Nama pengguna").fill(rt if role == "rt" else STAFF[role])
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    assert urlsplit(page.url).path == "/", page.url


def _links(page, base) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base) and not SKIP.search(urlsplit(url).path):
            found.append(url)
    return found


def _walk(page, base, shoot=None) -> dict[str, int]:
    """{path: scrollWidth} of every HTML page two links deep from home."""
    widths: dict[str, int] = {}
    queue = [(f"{base}/", 0)]
    seen = {f"{base}/"}
    kinds: dict[str, int] = {}  # /residents/# → how many such pages are queued
    while queue and len(widths) < MAX_PAGES:
        url, depth = queue.pop(0)
        head = page.request.get(url, max_redirects=0)
        if head.status != 200 or "text/html" not in head.headers.get(
            "content-type", ""
        ):
            continue
        page.goto(url)
        path = urlsplit(page.url).path + (
            "?" + urlsplit(page.url).query if urlsplit(page.url).query else ""
        )
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        if shoot is not None:
            shoot(path)
        if depth < 2:
            for link in _links(page, base):
                kind = re.sub(r"\d+", "#", link.split("?")[0])
                if link not in seen and kinds.get(kind, 0) < 2:
                    seen.add(link)
                    kinds[kind] = kinds.get(kind, 0) + 1
                    queue.append((link, depth + 1))
    return widths


@pytest.mark.parametrize(
    "role", ["admin", "clerk", "head", "rt", "employer", "resident"]
)
def test_no_page_scrolls_sideways_on_a_360px_phone(
    live_server, browser, demo, role, shots_dir
):
    context = browser.new_context(
        viewport={"width": PHONE, "height": 740},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        _sign_in(page, live_server.url, role, demo)
        # The menu is a button until it is opened.
        assert page.locator("nav.nav").is_hidden()
        page.locator("label.menu-button").click()
        assert page.locator("nav.nav").is_visible()
        page.screenshot(path=str(shots_dir / f"phone-menu-{role}.png"))
        shown: set[str] = set()

        def shoot(path: str) -> None:
            kind = re.sub(r"/[A-Za-z0-9_-]{20,}|\d+", "#", path.split("?")[0])
            if kind not in shown:
                shown.add(kind)
                name = re.sub(r"[^a-z0-9#]+", "-", kind.lower()).strip("-") or "home"
                page.screenshot(
                    path=str(shots_dir / f"phone-{role}-{name}.png"), full_page=True
                )

        widths = _walk(page, live_server.url, shoot)
        assert len(widths) > 3, widths
        too_wide = {path: w for path, w in widths.items() if w > PHONE}
        for path in list(too_wide)[:3]:
            page.goto(live_server.url + path)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(
                path=str(shots_dir / f"phone-wide-{role}-{name}.png"), full_page=True
            )
        assert too_wide == {}, too_wide
    finally:
        context.close()


@pytest.mark.parametrize(
    "role", ["admin", "clerk", "head", "rt", "employer", "resident"]
)
def test_the_menu_fits_one_line_on_a_desktop(live_server, page, demo, role, shots_dir):
    _sign_in(page, live_server.url, role, demo)
    nav = page.locator("nav.nav")
    assert nav.is_visible() and page.locator("label.menu-button").is_hidden()
    tops = nav.evaluate(
        "n => [...n.querySelectorAll('a')].map(a => a.getBoundingClientRect().top)"
    )
    assert len(set(tops)) == 1, tops
    bar = page.locator("header.topbar").bounding_box()
    assert bar["height"] < 110, bar  # the name row and one menu row
    page.screenshot(path=str(shots_dir / f"desktop-menu-{role}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
