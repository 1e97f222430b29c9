"""Statute pages: open to everyone, anchors for every paragraph and item, versions, 404s, fixed query
counts."""

import re

from extensions import db
from statutes.services import import_law_file
from tests.conftest import JICHIHO_CURRENT, STATUTES_DIR, login

JICHIHO_OLD = STATUTES_DIR / "322AC0000000067_20260101_506AC1000000064.xml"
JICHIHO_FUTURE = STATUTES_DIR / "322AC0000000067_20281211_507AC0000000087.xml"
SEKOREI = STATUTES_DIR / "322CO0000000016_20250623_507CO0000000213.xml"
CONSTITUTION = STATUTES_DIR / "321CONSTITUTION_chapter8.xml"


def _import(*paths):
    for path in paths:
        import_law_file(path)
    db.session.commit()


def test_index_lists_laws_with_attribution(client, count_queries):
    empty = client.get("/statutes/")
    assert empty.status_code == 200 and "flask statutes import" in empty.get_data(as_text=True)

    _import(CONSTITUTION, JICHIHO_CURRENT)
    with count_queries() as statements:
        page = client.get("/statutes/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/statutes/322AC0000000067/"' in html and 'href="/statutes/321CONSTITUTION/"' in html
    assert "2026年9月24日" in html and ">515<" in html and "e-Gov法令検索" in html
    assert html.index("日本国憲法") < html.index("地方自治法")
    assert len(statements) == 1

    _import(SEKOREI)
    with count_queries() as statements:
        assert client.get("/statutes/").status_code == 200
    assert len(statements) == 1  # the same, however many laws


def test_table_of_contents(client, count_queries):
    _import(JICHIHO_CURRENT)
    with count_queries() as statements:
        page = client.get("/statutes/322AC0000000067/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and len(statements) == 2
    assert "<h3>第二編　普通地方公共団体</h3>" in html and "<h4>第九章　財務</h4>" in html
    assert "<h5>第六節　契約</h5>" in html
    assert '<a href="/statutes/322AC0000000067/234_3">第二百三十四条の三</a>' in html
    assert "（長期継続契約）" in html and 'href="/statutes/322AC0000000067/appdx_1"' in html
    assert "e-Gov法令検索" in html


def test_article_page(client, count_queries):
    _import(JICHIHO_CURRENT)
    with count_queries() as statements:
        page = client.get("/statutes/322AC0000000067/96")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and len(statements) == 3
    assert '<h1 id="article-heading">第九十六条</h1>' in html
    assert 'id="p1"' in html and 'id="p2"' in html and '<li id="p1-i5">' in html
    assert len(set(re.findall(r'id="(p[^"]+)"', html))) == len(re.findall(r'id="(p[^"]+)"', html))
    assert '<a rel="prev" href="/statutes/322AC0000000067/95">' in html
    assert '<a rel="next" href="/statutes/322AC0000000067/97">' in html
    assert 'href="/statutes/322AC0000000067/">' in html  # back to the table of contents
    assert "2026年9月24日" in html and "第六章　議会" in html and "e-Gov法令検索" in html

    contract = client.get("/statutes/322AC0000000067/234_3").get_data(as_text=True)
    assert "第二百三十四条の三" in contract and "（長期継続契約）" in contract

    first = client.get("/statutes/322AC0000000067/1").get_data(as_text=True)
    assert 'rel="prev"' not in first and '<a rel="next" href="/statutes/322AC0000000067/1_2">' in first
    deleted = client.get("/statutes/322AC0000000067/20:73")
    assert deleted.status_code == 200 and "削除" in deleted.get_data(as_text=True)


def test_article_page_is_the_same_for_signed_in_users(client, users, count_queries):
    _import(CONSTITUTION)
    login(client, "learner@example.jp")
    client.get("/statutes/321CONSTITUTION/92")
    with count_queries() as statements:
        page = client.get("/statutes/321CONSTITUTION/93")
    assert page.status_code == 200 and '<p class="paragraph" id="p2">' in page.get_data(as_text=True)
    assert len(statements) <= 4  # at most the signed-in user, then the same three


def test_versions(client, count_queries):
    _import(JICHIHO_OLD, JICHIHO_CURRENT, JICHIHO_FUTURE)
    current = client.get("/statutes/322AC0000000067/244_6").get_data(as_text=True)
    assert "サイバーセキュリティを確保するための方針" in current
    assert 'value="20281211_507AC0000000087"' in current and 'value="20260101_506AC1000000064"' in current

    assert client.get("/statutes/322AC0000000067/244_6?version=20260101_506AC1000000064").status_code == 404
    with count_queries() as statements:
        future = client.get("/statutes/322AC0000000067/204?version=20281211_507AC0000000087")
    html = future.get_data(as_text=True)
    assert future.status_code == 200 and len(statements) == 3
    assert "2028年12月11日" in html and 'class="badge badge-warn"' in html
    # links on a page of another version stay in that version
    assert 'href="/statutes/322AC0000000067/203_2?version=20281211_507AC0000000087"' in html
    assert 'href="/statutes/322AC0000000067/">' not in html
    old_toc = client.get("/statutes/322AC0000000067/?version=20260101_506AC1000000064").get_data(as_text=True)
    assert "244_6" not in old_toc
    assert 'href="/statutes/322AC0000000067/244_5?version=20260101_506AC1000000064"' in old_toc


def test_not_found(client):
    _import(CONSTITUTION, SEKOREI)
    for url in ("/statutes/322AC0000000067/", "/statutes/322AC0000000067/1", "/statutes/321CONSTITUTION/1",
                "/statutes/321CONSTITUTION/92?version=20260101_x", "/statutes/nonsense/92"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert 'class="error-page"' in response.get_data(as_text=True)
    assert client.get("/statutes/322CO0000000016/appdx_5").status_code == 200
    assert client.get("/statutes/322CO0000000016/8:90").status_code == 200
