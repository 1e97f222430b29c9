"""Town halls often sit on a closed network: no page may load anything from outside the server (no CDN, no web
font, no analytics). Every request the pages make is recorded and must go to 127.0.0.1."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.support import register, textbox

JICHIHO = "322AC0000000067"
PAGES = [
    ("catalogue-signed-in", "/"),
    ("lesson-procurement", "/courses/jichiho-hajimeno-ippo/keiyaku-chotatsu/keiyaku-hoho-no-gensoku"),
    ("glossary", "/glossary"),
    ("statutes", "/statutes/"),
    ("statute-toc", f"/statutes/{JICHIHO}/"),
    ("statute-article", f"/statutes/{JICHIHO}/234#p2"),
    ("not-found", "/courses/no-such-course/"),
]

# Everything a page refers to that a browser would fetch by itself.
RESOURCES = """() => [
  ...[...document.querySelectorAll("link[href]")].filter(l => l.rel !== "canonical").map(l => l.href),
  ...[...document.querySelectorAll("script[src], img[src], iframe[src], source[src], video[src], audio[src]")]
    .map(e => e.src),
  ...[...document.querySelectorAll("object[data]")].map(e => e.data),
  ...performance.getEntriesByType("resource").map(e => e.name),
]"""


def test_no_page_requests_anything_outside_127_0_0_1(context, audit):
    page = context.new_page()
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.url, request.resource_type)))
    failed: list[tuple[str, int]] = []
    page.on("response", lambda response: failed.append((response.url, response.status))
            if response.status >= 400 and response.request.resource_type != "document" else None)

    register(page)
    referenced: list[str] = []
    for name, path in PAGES:
        response = page.goto(path)
        assert response.status == (404 if name == "not-found" else 200), (path, response.status)
        referenced += page.evaluate(RESOURCES)
        audit.check(page, name)

    # Signed out, then the administrator's page.
    page.get_by_role("button", name="ログアウト").click()
    expect(page.locator(".flash")).to_contain_text("ログアウトしました")
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="ログイン").click()
    audit.check(page, "login")
    textbox(page, "メールアドレス").fill(ADMIN["email"])
    textbox(page, "パスワード").fill(ADMIN["password"])
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="ユーザー").click()
    expect(page.locator("h1")).to_have_text("ユーザー")
    referenced += page.evaluate(RESOURCES)
    audit.check(page, "admin-users")

    kinds = {kind for _, kind in requests}
    assert {"document", "stylesheet", "script"} <= kinds, kinds
    outside = sorted({url for url, _ in requests if urlsplit(url).hostname != "127.0.0.1"})
    assert outside == [], f"pages requested from outside the server: {outside}"
    elsewhere = sorted({url for url in referenced if urlsplit(url).hostname not in ("127.0.0.1", None)})
    assert elsewhere == [], f"pages refer to resources outside the server: {elsewhere}"
    assert failed == [], f"resources that failed to load: {failed}"
