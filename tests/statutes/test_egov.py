"""The e-Gov XML parser, on the real files (parsing only: no database) and on small hand-made documents."""

import base64
import json
from datetime import date
from functools import cache

import pytest

from statutes.egov import (
    FetchError,
    StatuteFormatError,
    decode_law_data_response,
    law_data_url,
    parse_filename,
    parse_law_xml,
)
from tests.conftest import JICHIHO_CURRENT, STATUTES_DIR

SEKOREI = "322CO0000000016_20250623_507CO0000000213.xml"


@cache
def parsed(name: str):
    return parse_law_xml((STATUTES_DIR / name).read_bytes(), name)


def articles(name: str) -> dict:
    return {a.num: a for a in parsed(name).articles}


def test_file_names():
    info = parse_filename("322AC0000000067_20260924_506AC0000000065.xml")
    assert (info.law_id, info.revision_id, info.enforcement_date, info.amending_law_id) == (
        "322AC0000000067", "20260924_506AC0000000065", date(2026, 9, 24), "506AC0000000065")
    original = parse_filename("503AC0000000040_20210901_000000000000000.xml")
    assert original.revision_id == "20210901_000000000000000" and original.amending_law_id == ""
    constitution = parse_filename("321CONSTITUTION_chapter8.xml")
    assert (constitution.law_id, constitution.revision_id, constitution.enforcement_date) == (
        "321CONSTITUTION", "", None)
    with pytest.raises(StatuteFormatError):
        parse_filename("jichiho.xml")
    with pytest.raises(StatuteFormatError):
        parse_filename("322AC0000000067_20261399_506AC0000000065.xml")


def test_jichiho_articles():
    law = parsed(JICHIHO_CURRENT.name)
    assert law.title == "地方自治法" and law.law_num == "昭和二十二年法律第六十七号"
    by_num = articles(JICHIHO_CURRENT.name)
    assert [a.position for a in law.articles] == list(range(len(law.articles)))
    assert "附則" not in {a.chapter for a in law.articles}  # supplementary provisions are not imported

    contract = by_num["234_3"]
    assert contract.title == "第二百三十四条の三" and contract.caption == "（長期継続契約）"
    assert contract.chapter == "第二編　普通地方公共団体 / 第九章　財務 / 第六節　契約"
    assert contract.text.startswith("普通地方公共団体は、第二百十四条の規定にかかわらず")

    council = by_num["96"]
    assert council.structure["1"] == [str(n) for n in range(1, 16)] and council.structure["2"] == []
    assert '<p class="paragraph" id="p1">' in council.html and '<li id="p1-i5">' in council.html
    assert "\n五　その種類及び金額について政令で定める基準に従い条例で定める契約を締結すること。" \
        in council.text
    assert '<p class="paragraph" id="p2"><span class="paragraph-num">②</span>' in council.html  # OldNum
    assert '<p class="paragraph" id="p2"><span class="paragraph-num">２</span>' in by_num["252_26_3"].html
    assert council.html.startswith('<section class="statute-article">')
    assert council.html.endswith("</section>")

    assert by_num["2"].structure["9"] == ["1", "2"]
    assert by_num["252_26_3"].title == "第二百五十二条の二十六の三"
    deleted = by_num["20:73"]
    assert deleted.deleted and deleted.text == "削除" and deleted.title == "第二十条乃至第七十三条"
    assert not by_num["96"].deleted


def test_readings_are_dropped_from_text_and_kept_as_ruby():
    article = articles(JICHIHO_CURRENT.name)["9_3"]
    assert "当該埋立ての竣功の認可" in article.text and "しゆん" not in article.text
    assert "<ruby>竣<rp>（</rp><rt>しゆん</rt><rp>）</rp></ruby>功" in article.html
    # an unnumbered paragraph of an old law (OldNum) gets e-Gov's ④, its anchor its Num
    assert '<p class="paragraph" id="p4"><span class="paragraph-num">④</span>' in article.html


def test_appended_tables_become_articles():
    by_num = articles(JICHIHO_CURRENT.name)
    table = by_num["appdx_1"]
    assert table.title == "別表第一" and table.caption == "第一号法定受託事務（第二条関係）"
    assert table.structure == {} and "<table" in table.html
    assert "<td>砂防法（明治三十年法律第二十九号）</td>" in table.html
    assert "砂防法（明治三十年法律第二十九号）　一　この法律の規定により" in table.text
    assert parsed(JICHIHO_CURRENT.name).toc[-1].title == "別表"
    assert parsed(JICHIHO_CURRENT.name).toc[-1].articles == ["appdx_1", "appdx_2"]


def test_sekorei_derived_file():
    by_num = articles(SEKOREI)
    # ParagraphNum written ② … : the anchors and the structure follow the Num attribute
    assert list(by_num["91"].structure) == ["1", "2", "3", "4", "5"]
    assert '<p class="paragraph" id="p2"><span class="paragraph-num">②</span>' in by_num["91"].html
    # headings stand empty before their articles: the chapter path still follows them
    assert by_num["167_2"].chapter == "第二編　普通地方公共団体 / 第五章　財務 / 第六節　契約"
    assert by_num["167_2"].caption == "（随意契約）" and by_num["167_2"].structure["1"][0] == "1"
    assert by_num["1"].chapter == "第一編　総則"
    deleted = by_num["8:90"]
    assert deleted.deleted and deleted.title == "第八条から第九十条まで"
    table = by_num["appdx_5"]
    assert table.title == "別表第五" and table.caption == "（第百六十七条の二関係）"
    assert {f"appdx_{n}" for n in range(1, 6)} <= by_num.keys()
    toc = parsed(SEKOREI).toc
    assert [node.title for node in toc[:2]] == ["第一編　総則", "第二編　普通地方公共団体"]
    assert toc[1].children[0].title == "第一章　総則" and toc[1].children[0].articles[0] == "1_2"


def test_constitution_without_revision():
    law = parsed("321CONSTITUTION_chapter8.xml")
    assert law.info.law_id == "321CONSTITUTION" and law.info.revision_id == ""
    assert [a.num for a in law.articles] == ["92", "93", "94", "95"]
    assert law.articles[1].structure == {"1": [], "2": []}
    assert law.articles[0].chapter == "第八章　地方自治"


def test_every_shared_file_parses():
    for path in sorted(STATUTES_DIR.glob("*.xml")):
        law = parse_law_xml(path.read_bytes(), path.name)
        assert law.articles and law.title, path.name
        assert all(a.html.startswith("<section") for a in law.articles)


SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<Law Era="Reiwa" Lang="ja" LawType="Act" Num="001" Year="07">
  <LawNum>令和七年法律第一号</LawNum>
  <LawBody>
    <LawTitle>試験法</LawTitle>
    <MainProvision>
      <Article Num="1">
        <ArticleCaption>（目的）</ArticleCaption>
        <ArticleTitle>第一条</ArticleTitle>
        <Paragraph Num="1"><ParagraphNum/>
          <ParagraphSentence>
            <Sentence Num="1">a &lt;script&gt;alert(1)&lt;/script&gt; &amp; b</Sentence>
          </ParagraphSentence>
          <Item Num="1"><ItemTitle>一</ItemTitle>
            <ItemSentence>
              <Column Num="1"><Sentence Num="1">長</Sentence></Column>
              <Column Num="2"><Sentence Num="1">知事</Sentence></Column>
            </ItemSentence>
            <Subitem1 Num="1"><Subitem1Title>イ</Subitem1Title>
              <Subitem1Sentence><Sentence Num="1">細目</Sentence></Subitem1Sentence>
            </Subitem1>
          </Item>
          <Item Num="1_2"><ItemTitle>一の二</ItemTitle>
            <ItemSentence><Sentence Num="1">枝番の号</Sentence></ItemSentence>
          </Item>
        </Paragraph>
        <Paragraph Num="2"><ParagraphNum>２</ParagraphNum>
          <ParagraphSentence><Sentence Num="1">表のとおり。</Sentence></ParagraphSentence>
          <TableStruct><Table>
            <TableRow><TableColumn colspan="2"><Sentence Num="1">見出し</Sentence></TableColumn></TableRow>
            <TableRow>
              <TableColumn><Sentence Num="1">A</Sentence></TableColumn>
              <TableColumn><Sentence Num="1">B</Sentence></TableColumn>
            </TableRow>
          </Table></TableStruct>
        </Paragraph>
      </Article>
      <Article Num="2"><ArticleTitle>第二条</ArticleTitle>
        <Paragraph Num="1"><ParagraphNum/>
          <ParagraphSentence><Sentence Num="1">削除</Sentence></ParagraphSentence>
        </Paragraph>
      </Article>
    </MainProvision>
    <SupplProvision><Article Num="1"><ArticleTitle>第一条</ArticleTitle><Paragraph Num="1"><ParagraphNum/>
      <ParagraphSentence><Sentence Num="1">附則</Sentence></ParagraphSentence>
    </Paragraph></Article></SupplProvision>
    <AppdxTable><AppdxTableTitle>別表（第一条関係）</AppdxTableTitle>
      <TableStruct><Table>
        <TableRow><TableColumn><Sentence Num="1">x</Sentence></TableColumn></TableRow>
      </Table></TableStruct>
    </AppdxTable>
  </LawBody>
</Law>"""


def test_small_document_structures_and_escaping():
    law = parse_law_xml(SMALL.encode(), "501AC0000000001_20250401_000000000000000.xml")
    first, second, table = law.articles
    assert "<script>" not in first.html and "a &lt;script&gt;alert(1)&lt;/script&gt; &amp; b" in first.html
    assert first.text.splitlines() == ["a <script>alert(1)</script> & b", "一　長　知事", "イ　細目",
                                       "一の二　枝番の号", "２　表のとおり。", "見出し", "A　B"]
    assert first.structure == {"1": ["1", "1_2"], "2": []}
    assert '<li id="p1-i1_2">' in first.html
    assert '<ol class="subitems"><li><span class="item-title">イ</span>' in first.html
    assert '<td colspan="2">見出し</td>' in first.html
    assert first.chapter == "" and law.toc[0].title == "" and law.toc[0].articles == ["1", "2"]
    assert second.deleted
    assert (table.num, table.title, table.caption) == ("appdx_1", "別表", "（第一条関係）")
    assert len(law.articles) == 3  # the supplementary provision is not read
    assert len(first.text_sha256) == 64


@pytest.mark.parametrize("data, message", [
    (b"<Law><LawBody><LawTitle>x</LawTitle></LawBody></Law>", "MainProvision"),
    (b"<Law><LawBody", "not well-formed"),
    (b"<html/>", "<html>"),
    (b"<Law><LawBody><LawTitle>x</LawTitle><MainProvision/></LawBody></Law>", "no articles"),
])
def test_unusable_files_are_refused(data, message):
    with pytest.raises(StatuteFormatError) as error:
        parse_law_xml(data, "501AC0000000001_20250401_000000000000000.xml")
    assert message in str(error.value)


def test_law_api_answer_is_decoded():
    xml = SMALL.encode()
    payload = json.dumps({"revision_info": {"law_revision_id": "501AC0000000001_20250401_000000000000000"},
                          "law_full_text": base64.b64encode(xml).decode()}).encode()
    assert decode_law_data_response(payload, "501AC0000000001") == (
        "501AC0000000001_20250401_000000000000000.xml", xml)
    with pytest.raises(FetchError):
        decode_law_data_response(b"<html>maintenance</html>", "501AC0000000001")
    with pytest.raises(FetchError):
        decode_law_data_response(json.dumps({"law_full_text": "PExhdy8+"}).encode(), "501AC0000000001")
    assert law_data_url("322AC0000000067") == (
        "https://laws.e-gov.go.jp/api/2/law_data/322AC0000000067?law_full_text_format=xml&response_format=json")
