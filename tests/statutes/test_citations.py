"""The citation grammar (DESIGN §5): pure, no app and no database."""

import pytest

from statutes.citations import (
    ABBREVIATIONS,
    CITATION_RE,
    CitationRef,
    CitationSyntaxError,
    LawName,
    int_to_kanji,
    kanji_to_int,
    parse_citation,
)

JICHIHO = "322AC0000000067"
SEKOREI = "322CO0000000016"


@pytest.mark.parametrize("inner, law_id, article, paragraph, item", [
    ("自治法234条の3", JICHIHO, "234_3", None, None),
    ("自治法96条1項5号", JICHIHO, "96", 1, "5"),
    ("施行令167条の2第1項第1号", SEKOREI, "167_2", 1, "1"),
    ("施行令 別表第三", SEKOREI, "appdx_3", None, None),
    ("施行令別表第五", SEKOREI, "appdx_5", None, None),
    ("憲法92条", "321CONSTITUTION", "92", None, None),
    ("自治法第二百五十二条の十九第一項", JICHIHO, "252_19", 1, None),
    ("自治法252条の26の3", JICHIHO, "252_26_3", None, None),
    ("自治法2条9項1号", JICHIHO, "2", 9, "1"),
    ("自治法第234条", JICHIHO, "234", None, None),
    ("自治法　２３４条の３", JICHIHO, "234_3", None, None),  # ideographic space, full-width digits
    ("自治法96条5号", JICHIHO, "96", None, "5"),
    ("自治法96条1項5号の2", JICHIHO, "96", 1, "5_2"),
    ("自治法96条第1項第5号の4の2", JICHIHO, "96", 1, "5_4_2"),
    ("自治法二百三十四条の三", JICHIHO, "234_3", None, None),
    ("自治法十条", JICHIHO, "10", None, None),
    ("自治法百五条", JICHIHO, "105", None, None),
    ("自治法千条", JICHIHO, "1000", None, None),
    ("自治法第百条第十五項", JICHIHO, "100", 15, None),
    ("自治法167条の二1項", JICHIHO, "167_2", 1, None),  # different scripts: the boundary is clear
    ("  自治法234条  ", JICHIHO, "234", None, None),
    ("個情法2条", "415AC0000000057", "2", None, None),
    ("官製談合防止法8条", "414AC1000000101", "8", None, None),
    ("サイバー基本法5条", "426AC1000000104", "5", None, None),
])
def test_valid_citations_parse(inner, law_id, article, paragraph, item):
    ref = parse_citation(inner)
    assert (ref.law.law_id, ref.article, ref.paragraph, ref.item) == (law_id, article, paragraph, item)


@pytest.mark.parametrize("text, number", [
    ("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("九十九", 99), ("百", 100),
    ("百五", 105), ("百十", 110), ("二百三十四", 234), ("二百五十二", 252), ("九百九十九", 999),
    ("千", 1000), ("一千", 1000), ("千一", 1001), ("千二百三十四", 1234), ("二千", 2000),
])
def test_kanji_numbers(text, number):
    assert kanji_to_int(text) == number


@pytest.mark.parametrize("text", ["十十", "二二", "百千", "〇", "二〇", "", "十百", "万"])
def test_malformed_kanji_numbers(text):
    with pytest.raises(ValueError):
        kanji_to_int(text)


def test_kanji_round_trip_up_to_a_thousand():
    for number in range(1, 1001):
        assert kanji_to_int(int_to_kanji(number)) == number
    assert int_to_kanji(3) == "三" and int_to_kanji(110) == "百十" and int_to_kanji(1000) == "千"


def test_labels():
    assert parse_citation("自治法234条の3").label() == "地方自治法第234条の3"
    assert parse_citation("自治法96条1項5号").label() == "地方自治法第96条第1項第5号"
    assert parse_citation("施行令 別表第三").label() == "地方自治法施行令別表第三"
    assert parse_citation("施行令167条の2第1項第1号").label() == "地方自治法施行令第167条の2第1項第1号"
    assert parse_citation("自治法第二百五十二条の十九第一項").label() == "地方自治法第252条の19第1項"
    assert parse_citation("自治法96条1項5号の2").label() == "地方自治法第96条第1項第5号の2"
    assert parse_citation("個情法2条").label() == "個人情報保護法第2条"
    assert parse_citation("憲法92条").label() == "日本国憲法第92条"


def test_hrefs():
    assert parse_citation("自治法234条の3").href() == "/statutes/322AC0000000067/234_3"
    assert parse_citation("自治法234条の3第1項").href() == "/statutes/322AC0000000067/234_3#p1"
    assert parse_citation("自治法96条1項5号").href() == "/statutes/322AC0000000067/96#p1-i5"
    assert parse_citation("自治法96条5号の2").href() == "/statutes/322AC0000000067/96#p1-i5_2"  # paragraph 1
    assert parse_citation("施行令 別表第三").href() == "/statutes/322CO0000000016/appdx_3"


def test_egov_hrefs():
    base = "https://laws.e-gov.go.jp/law/322AC0000000067"
    assert parse_citation("自治法234条の3").egov_href() == base + "#Mp-At_234_3"
    assert parse_citation("自治法2条9項").egov_href() == base + "#Mp-At_2-Pr_9"
    assert parse_citation("自治法96条1項5号").egov_href() == base + "#Mp-At_96-Pr_1-It_5"
    assert parse_citation("自治法96条5号").egov_href() == base + "#Mp-At_96-Pr_1-It_5"
    assert parse_citation("施行令 別表第三").egov_href() == "https://laws.e-gov.go.jp/law/322CO0000000016"


@pytest.mark.parametrize("inner, message", [
    ("自治234条", "不明な法令略称: 自治"),
    ("民法90条", "不明な法令略称: 民法"),
    ("地方自治法234条", "「地方自治法」ではなく「自治法」"),
    ("地方自治法施行令167条", "「地方自治法施行令」ではなく「施行令」"),
    ("", "引用が空です"),
    ("自治法", "条番号がありません"),
    ("自治法234", "「条」がありません"),
    ("自治法234条の31項", "「第」を付けてください"),
    ("自治法二百三十四条の三一項", "「第」を付けてください"),
    ("自治法167条の2 1項", "読み取れない部分があります"),
    ("自治法234条から236条まで", "一つの条・項・号ごとに"),
    ("自治法234条、235条", "一つの条・項・号ごとに"),
    ("自治法96条5号1項", "項は号より前に"),
    ("自治法0条", "番号は1以上です"),
    ("自治法十十条", "数字を読み取れません: 「十十」"),
    ("自治法 別表3", "別表は「別表第三」の形で"),
    ("自治法 別表第三の二", "別表の後に読み取れない部分"),
    ("自治法第条", "条番号を読み取れません"),
    ("自治法234条の3を参照", "読み取れない部分があります: 「を参照」"),
])
def test_syntax_errors_say_what_is_wrong(inner, message):
    with pytest.raises(CitationSyntaxError) as error:
        parse_citation(inner)
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)


def test_citation_pattern_finds_inner_texts():
    text = ("契約は[[自治法234条]]による。長期継続契約は[[自治法234条の3]]、"
            "随意契約は[[施行令 別表第五]]。[[未完\n]]")
    found = [m.group(1) for m in CITATION_RE.finditer(text)]
    assert found == ["自治法234条", "自治法234条の3", "施行令 別表第五"]


def test_one_table_of_abbreviations():
    assert len(ABBREVIATIONS) == 15
    expected = {
        "憲法": "321CONSTITUTION", "自治法": "322AC0000000067", "施行令": "322CO0000000016",
        "地財法": "323AC0000000109", "地公法": "325AC0000000261", "行手法": "405AC0000000088",
        "行審法": "426AC0000000068", "情報公開法": "411AC0000000042", "公文書管理法": "421AC0000000066",
        "個情法": "415AC0000000057", "デジタル手続法": "414AC0000000151", "標準化法": "503AC0000000040",
        "サイバー基本法": "426AC1000000104", "入契法": "412AC0000000127", "官製談合防止法": "414AC1000000101",
    }
    assert {abbrev: law.law_id for abbrev, law in ABBREVIATIONS.items()} == expected
    assert ABBREVIATIONS["施行令"] == LawName("322CO0000000016", "地方自治法施行令", "地方自治法施行令")
    assert ABBREVIATIONS["個情法"].short == "個人情報保護法"
    assert ABBREVIATIONS["サイバー基本法"].short == "サイバーセキュリティ基本法"
    assert ABBREVIATIONS["入契法"].short == "入札契約適正化法"


def test_refs_are_values():
    a, b = parse_citation("自治法234条の3"), parse_citation("自治法第二百三十四条の三")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a == CitationRef(ABBREVIATIONS["自治法"], "234_3", None, None)
    with pytest.raises(AttributeError):
        a.article = "1"  # frozen
