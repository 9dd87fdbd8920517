"""Browser harness: the real app on a real HTTP server, driven by Debian's Chromium.

The server is built from the very `app` object the test holds (same config, same
test database), so a journey can create data, read mail and check rows directly.
BASE_URL points at the live server, so links in mails open in the browser.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD, free_port, make_config

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1280, "height": 800}
# Short enough that a broken journey fails fast instead of hanging for 30 s.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    """Everything under tests/browser is a browser test, even if a module forgets the mark."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_port():
    return free_port()


@pytest.fixture
def app_config(database_url, smtp_server, live_port):
    return make_config(database_url, smtp_server.port, BASE_URL=f"http://127.0.0.1:{live_port}")


class QuietHandler(WSGIRequestHandler):
    """Log only failed requests: a passing journey should not flood the report."""

    def log_request(self, code="-", size="-"):
        if str(code).startswith(("4", "5")):
            super().log_request(code, size)


def buffered(app):
    """Each response read whole and closed before it is sent. Werkzeug's server closes
    a response (a static file's open handle) only after reading what is left of the
    request; when the browser has dropped the connection that read raises first, the
    file is left open and its ResourceWarning fails a later test at random."""

    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


@pytest.fixture
def live_server(app, live_port):
    """Serve `app` on the loopback port until the test ends; returns the base URL."""
    server = make_server("127.0.0.1", live_port, buffered(app), threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield app.config["BASE_URL"]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session; each test gets its own context."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


class Browser:
    """Opens pages in fresh contexts (own cookies) and remembers what went wrong in them."""

    def __init__(self, chromium, base_url):
        self.chromium = chromium
        self.base_url = base_url
        self.contexts = []
        self.problems = []  # console errors and CSP violations, which a user would not see

    def new_page(self, *, locale="fr-FR", viewport=LAPTOP):
        context = self.chromium.new_context(locale=locale, viewport=viewport, base_url=self.base_url)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"{page.url}: {exc}"))
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium, live_server):
    opened = Browser(chromium, live_server)
    yield opened
    opened.close()


@pytest.fixture
def page(browser):
    """A French-speaking visitor on a laptop-sized window."""
    return browser.new_page()


AXE = Path(__file__).resolve().parents[1] / "checkers" / "node_modules" / "axe-core" / "axe.min.js"
# What axe-core reports that fails a journey: what keeps someone from using the page.
AXE_FAILS = ("serious", "critical")
AXE_RUN = """async (fails) => {
  const {violations} = await axe.run(document, {resultTypes: ["violations"]});
  return violations.filter(v => fails.includes(v.impact))
    .map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands. Its script is
    evaluated through the browser's debugging protocol: the site's CSP lets no inline script in."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN, list(AXE_FAILS))


def shot(page, name: str) -> Path:
    """Save a full-page screenshot to artifacts/screenshots/<name>.png and return its path;
    the page must have no serious accessibility problem (axe-core) either."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if AXE.exists() or os.environ.get("CI"):
        assert accessibility_problems(page) == [], name
    return path


def has_horizontal_scroll(page) -> bool:
    """True when the page is wider than the window: on a phone, something overflows."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def both_sizes(page, name: str) -> None:
    """Shoot the page as a phone and as a laptop shows it; neither may scroll sideways."""
    for size, suffix in ((PHONE, "phone"), (LAPTOP, "laptop")):
        page.set_viewport_size(size)
        shot(page, f"{name}-{suffix}")
        assert not has_horizontal_scroll(page), name


def assert_french(page) -> None:
    assert page.locator("html").get_attribute("lang") == "fr"


def visit(browser, path: str):
    """A new French page (a fresh context: no cookies) opened at path, checked to speak French."""
    page = browser.new_page(locale="fr-FR")
    page.goto(path)
    assert_french(page)
    return page


def follow(page, path: str, within: str = "main") -> None:
    """Click the link to path inside `within` (a CSS selector) and wait for its page: the
    click alone does not wait for the page it opens."""
    page.click(f"{within} a[href='{path}']")
    page.wait_for_url(f"**{path}")


def submit(page, button: str = "main form button[type=submit]") -> None:
    """Click a form's button and wait for the page the POST returns. Needed when that page has
    the same address (a form shown again with its errors, a redirect back to itself): waiting
    for the URL would return at once, before the new page is there."""
    with page.expect_navigation():
        page.click(button)


def log_in(browser, member, next_path: str):
    """A new French page, logged in through the real form, landed on next_path."""
    page = browser.new_page(locale="fr-FR")
    page.goto(f"/members/login?next={next_path}")
    page.fill("input[name=email]", member.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return page
