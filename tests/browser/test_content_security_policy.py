"""The browser tests really see the Content-Security-Policy: the watcher in conftest.py catches
what the policy refuses, and the pages of the site give it nothing to refuse."""

from __future__ import annotations


def test_the_watcher_catches_what_the_policy_refuses(browser, page, live_server):
    assert browser.violations == []
    page.route(
        f"{live_server}/csp-probe",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Security-Policy": "default-src 'self'"},
            content_type="text/html",
            body='<p style="color: red">probe</p><script>document.title = "ran";</script>',
        ),
    )
    page.goto(f"{live_server}/csp-probe")
    page.wait_for_function("document.readyState === 'complete'")
    assert page.title() != "ran"  # the inline script was refused
    page.wait_for_timeout(200)  # let the reports arrive
    caught = list(browser.violations)
    browser.violations.clear()  # expected here: the autouse check must not fail this test
    assert any("script-src" in text for text in caught), caught
    assert any("style-src" in text for text in caught), caught


def test_the_site_sends_its_policy_to_the_browser(page, live_server):
    response = page.goto(f"{live_server}/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
