"""The Markdown pipeline: extensions, citations as links, and nothing executable survives."""

import pytest

from lessons.markdown import render
from tests.conftest import STATUTES_DIR


@pytest.fixture
def jichiho(app):
    from statutes.services import import_law_file

    import_law_file(STATUTES_DIR / "322AC0000000067_20260924_506AC0000000065.xml")


def test_citation_becomes_link_with_caption(app, jichiho):
    out = render("長期継続契約 [[自治法234条の3]] と議決 [[自治法96条1項5号]]。")
    assert '<a class="cite" href="/statutes/322AC0000000067/234_3"' in out.html
    assert 'title="（長期継続契約）"' in out.html or 'title="長期継続契約"' in out.html
    assert ">地方自治法第234条の3</a>" in out.html
    assert 'href="/statutes/322AC0000000067/96#p1-i5"' in out.html
    assert ">地方自治法第96条第1項第5号</a>" in out.html
    assert out.problems == [] and out.verified == 2 and len(out.citations) == 2


def test_without_statute_text_links_fall_back_to_egov_and_are_not_verified(app):
    out = render("[[自治法234条の3]]")
    assert "https://laws.e-gov.go.jp/law/322AC0000000067" in out.html
    assert out.verified == 0 and out.problems == []


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<img src=x onerror="alert(1)">',
    '<div onclick="alert(1)">x</div>',
    "<iframe src='https://evil.example'></iframe>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"></svg>',
    '<p style="background:url(javascript:alert(1))">x</p>',
])
def test_markdown_payloads_come_out_inert(app, payload):
    html = render(f"本文\n\n{payload}\n").html.lower()
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "onclick" not in html and "onload" not in html and "<iframe" not in html and "data:" not in html
    assert "style=" not in html and "<svg" not in html


def test_extensions_tables_footnotes_admonitions(app):
    source = ("| 区分 | 額 |\n|---|---|\n| 町村 | 5千万円 |\n\n本文[^1]\n\n[^1]: 注記\n\n"
              '!!! contrast "民間との違い"\n    会社なら自由です。\n')
    html = render(source).html
    assert "<table>" in html and "<td>町村</td>" in html
    assert 'class="footnote"' in html
    assert '<div class="admonition contrast">' in html and "民間との違い" in html
