"""Playwright fixtures driving Debian's Chromium (never a downloaded browser).

The browser runs headless against the `live_server` fixture of tests/conftest.py.
Without /usr/bin/chromium the browser tests skip, unless DESA_REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SHOTS = Path("/tmp/desa-shots")
ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


def _unavailable(reason: str) -> None:
    if os.environ.get("DESA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (DESA_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    # Requests a service worker makes are seen (and can be routed) only with
    # this: context.set_offline alone does not reach them (playwright #2311).
    os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A desktop-sized page in a fresh context (no cookies from other tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(browser) -> Iterator:
    """A phone-sized touch page in a fresh context."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def password(pytestconfig) -> str:
    """The factories' password, read from the root conftest module pytest loaded."""
    for plugin in pytestconfig.pluginmanager.get_plugins():
        path = getattr(plugin, "__file__", None)
        if path and Path(path).resolve() == ROOT_CONFTEST:
            return plugin.PASSWORD
    raise LookupError(f"{ROOT_CONFTEST} is not loaded")


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    """Where screenshots for a human to look at go (never asserted on)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
