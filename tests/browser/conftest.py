"""Browser tests: the real app served on a local port, driven by Debian's Chromium via Playwright.

Nothing downloads a browser: Playwright is pointed at /usr/bin/chromium (the test script installs
Debian's package). A failing test leaves a full-page screenshot in test-artifacts/.

The pages are served with the production Content-Security-Policy, and every browser context a
test opens reports what the policy refused (the browser's console message and the page's
``securitypolicyviolation`` event): a test with any refusal fails at teardown.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
# Runs in every document before its own scripts; the binding is exposed by CspWatchingBrowser.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__reportCspViolation(
    event.effectiveDirective + " refused " + (event.blockedURI || "inline") + " at "
    + event.sourceFile + ":" + event.lineNumber
  );
});
"""


class CspWatchingBrowser:
    """The Playwright browser, whose every new context records CSP refusals in ``violations``."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.expose_function("__reportCspViolation", self._reported)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console_message)
        return context

    def _reported(self, text: str) -> None:
        self.violations.append(f"page: {text}")

    def _console_message(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.violations.append(f"console: {text}")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Debian's chromium is required for the browser tests (apt-get install chromium)"
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield CspWatchingBrowser(instance)
        instance.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if any page it opened broke the Content-Security-Policy."""
    if "browser" not in request.fixturenames:
        yield
        return
    watcher: CspWatchingBrowser = request.getfixturevalue("browser")
    watcher.violations.clear()
    yield
    found = list(watcher.violations)
    watcher.violations.clear()
    assert found == [], "the Content-Security-Policy refused: " + "; ".join(found)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free local port; BASE_URL follows it so mailed and QR links work."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=10)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in item.nodeid)
            # The page may already be gone; the failure itself is what matters.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)


@pytest.fixture
def page(browser, live_server: str) -> Iterator:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def desktop_page(browser, live_server: str) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
