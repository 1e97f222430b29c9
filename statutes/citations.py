"""The citation grammar of DESIGN §5: `[[自治法234条の3]]`, `[[施行令 別表第三]]`,
`[[自治法第二百五十二条の十九第一項]]`.

Pure: no Flask, no database. `parse_citation()` turns the inside of `[[…]]` into a `CitationRef`, or raises
`CitationSyntaxError` whose message (in Japanese, for the content author) says what is wrong.

    <abbrev> [space] ( 別表第<n> | [第]<n>条[の<n>]* [[第]<n>項] [[第]<n>号[の<n>]*] )

Numbers are Arabic (ASCII or full-width) or kanji (二百三十四, 十, 千, 百五 …). After a branch number
(の3), the next number must be introduced by 第 when it is written in the same script (167条の2第1項, not
167条の21項): otherwise the boundary between the numbers would be a guess.
"""

import re
from dataclasses import dataclass
from typing import NamedTuple


class LawName(NamedTuple):
    law_id: str  # e-Gov law ID
    title: str  # the full title
    short: str  # the name shown in links: 地方自治法, 個人情報保護法


# The one table of abbreviations content may use (DESIGN §5).
ABBREVIATIONS: dict[str, LawName] = {
    "憲法": LawName("321CONSTITUTION", "日本国憲法", "日本国憲法"),
    "自治法": LawName("322AC0000000067", "地方自治法", "地方自治法"),
    "施行令": LawName("322CO0000000016", "地方自治法施行令", "地方自治法施行令"),
    "地財法": LawName("323AC0000000109", "地方財政法", "地方財政法"),
    "地公法": LawName("325AC0000000261", "地方公務員法", "地方公務員法"),
    "行手法": LawName("405AC0000000088", "行政手続法", "行政手続法"),
    "行審法": LawName("426AC0000000068", "行政不服審査法", "行政不服審査法"),
    "情報公開法": LawName("411AC0000000042", "行政機関の保有する情報の公開に関する法律", "情報公開法"),
    "公文書管理法": LawName("421AC0000000066", "公文書等の管理に関する法律", "公文書管理法"),
    "個情法": LawName("415AC0000000057", "個人情報の保護に関する法律", "個人情報保護法"),
    "デジタル手続法": LawName("414AC0000000151", "情報通信技術を活用した行政の推進等に関する法律",
                          "デジタル手続法"),
    "標準化法": LawName("503AC0000000040", "地方公共団体情報システムの標準化に関する法律",
                      "地方公共団体情報システム標準化法"),
    "サイバー基本法": LawName("426AC1000000104", "サイバーセキュリティ基本法", "サイバーセキュリティ基本法"),
    "入契法": LawName("412AC0000000127", "公共工事の入札及び契約の適正化の促進に関する法律",
                    "入札契約適正化法"),
    "官製談合防止法": LawName(
        "414AC1000000101",
        "入札談合等関与行為の排除及び防止並びに職員による入札等の公正を害すべき行為の処罰に関する法律",
        "官製談合防止法"),
}

LAWS_BY_ID: dict[str, LawName] = {law.law_id: law for law in ABBREVIATIONS.values()}

CITATION_RE: re.Pattern = re.compile(r"\[\[([^\[\]\n]+?)\]\]")

EGOV_LAW_URL = "https://laws.e-gov.go.jp/law/"

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_NUM = r"[0-9０-９]+|[〇一二三四五六七八九十百千]+"
_NUM_RE = re.compile(_NUM)
_SPACE_RE = re.compile(r"[ \t\u3000]*")
# Longest first, so that no abbreviation is shadowed by a shorter one it starts with.
_ABBREVS_LONGEST_FIRST = sorted(ABBREVIATIONS, key=len, reverse=True)
_FULL_NAMES_LONGEST_FIRST = sorted(
    {(name, abbrev) for abbrev, law in ABBREVIATIONS.items() for name in (law.short, law.title)},
    key=lambda pair: len(pair[0]), reverse=True)
_EXAMPLE = "例: [[自治法234条の3]]、[[自治法96条1項5号]]、[[施行令 別表第三]]"


class CitationSyntaxError(ValueError):
    """A citation that does not follow the grammar; the message says what is wrong, in Japanese."""


@dataclass(frozen=True)
class CitationRef:
    law: LawName
    article: str  # "234_3"; appended tables "appdx_3"
    paragraph: int | None = None
    item: str | None = None  # "5" or "5_2"

    @property
    def is_appendix(self) -> bool:
        return self.article.startswith("appdx_")

    @property
    def article_label(self) -> str:
        """第234条の3 / 別表第三 (without the law's name)."""
        if self.is_appendix:
            return "別表第" + int_to_kanji(int(self.article.removeprefix("appdx_")))
        head, *branches = self.article.split("_")
        return f"第{head}条" + "".join(f"の{b}" for b in branches)

    def label(self) -> str:
        """地方自治法第234条の3, 地方自治法第96条第1項第5号, 地方自治法施行令別表第三."""
        out = self.law.short + self.article_label
        if self.paragraph is not None:
            out += f"第{self.paragraph}項"
        if self.item is not None:
            head, *branches = self.item.split("_")
            out += f"第{head}号" + "".join(f"の{b}" for b in branches)
        return out

    @property
    def anchor(self) -> str:
        """The fragment of the article page: "p1", "p1-i5"; "" for the whole article."""
        if self.item is not None:
            return f"p{self.paragraph or 1}-i{self.item}"
        if self.paragraph is not None:
            return f"p{self.paragraph}"
        return ""

    def href(self) -> str:
        url = f"/statutes/{self.law.law_id}/{self.article}"
        return f"{url}#{self.anchor}" if self.anchor else url

    def egov_href(self) -> str:
        """e-Gov's own page for the article: the fallback when no text is imported. e-Gov has no stable anchor
        for appended tables, so those link to the law."""
        url = EGOV_LAW_URL + self.law.law_id
        if self.is_appendix:
            return url
        fragment = f"#Mp-At_{self.article}"
        if self.paragraph is not None or self.item is not None:
            fragment += f"-Pr_{self.paragraph or 1}"
        if self.item is not None:
            fragment += f"-It_{self.item}"
        return url + fragment


def kanji_to_int(text: str) -> int:
    """二百三十四 → 234, 十 → 10, 百五 → 105, 千 → 1000. Raises ValueError for anything else."""
    if not text:
        raise ValueError(text)
    total, digit, last_unit = 0, None, 10_000
    for char in text:
        if char in _KANJI_DIGITS:
            if digit is not None:
                raise ValueError(text)
            digit = _KANJI_DIGITS[char]
        elif char in _KANJI_UNITS:
            unit = _KANJI_UNITS[char]
            if unit >= last_unit:
                raise ValueError(text)
            total += (digit or 1) * unit
            digit, last_unit = None, unit
        else:
            raise ValueError(text)
    return total + (digit or 0)


def int_to_kanji(number: int) -> str:
    """234 → 二百三十四 (1 ≤ number ≤ 9999)."""
    if not 0 < number < 10_000:
        raise ValueError(number)
    digits = "〇一二三四五六七八九"
    out = ""
    for unit, name in ((1000, "千"), (100, "百"), (10, "十")):
        count, number = divmod(number, unit)
        if count:
            out += ("" if count == 1 else digits[count]) + name
    return out + (digits[number] if number else "")


def _number(token: str) -> int:
    try:
        value = int(token.translate(_FULLWIDTH)) if token[0] in "0123456789０１２３４５６７８９" \
            else kanji_to_int(token)
    except ValueError:
        raise CitationSyntaxError(f"数字を読み取れません: 「{token}」") from None
    if value < 1:
        raise CitationSyntaxError(f"番号は1以上です: 「{token}」")
    return value


def _is_arabic(token: str) -> bool:
    return token[0] in "0123456789０１２３４５６７８９"


class _Scanner:
    def __init__(self, text: str, pos: int):
        self.text, self.pos = text, pos

    def rest(self) -> str:
        return self.text[self.pos:]

    def take(self, literal: str) -> bool:
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def number(self) -> str | None:
        match = _NUM_RE.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return match.group()

    def numbered(self, unit: str) -> tuple[str, bool] | None:
        """[第]<n><unit>: the number token and whether 第 was written; None (position kept) when absent."""
        start = self.pos
        dai = self.take("第")
        token = self.number()
        if token is not None and self.take(unit):
            return token, dai
        self.pos = start
        return None

    def branches(self) -> list[str]:
        out = []
        while True:
            start = self.pos
            if not self.take("の"):
                return out
            token = self.number()
            if token is None:
                self.pos = start
                return out
            out.append(token)


def _abbreviation(text: str) -> str:
    for abbrev in _ABBREVS_LONGEST_FIRST:
        if text.startswith(abbrev):
            return abbrev
    for name, abbrev in _FULL_NAMES_LONGEST_FIRST:
        if text.startswith(name):
            raise CitationSyntaxError(f"法令名は略称で書いてください: 「{name}」ではなく「{abbrev}」")
    unknown = re.split(r"\s|[0-9０-９]|第|別表|[〇一二三四五六七八九十百千]+条", text, maxsplit=1)[0] or text
    known = "、".join(ABBREVIATIONS)
    raise CitationSyntaxError(f"不明な法令略称: {unknown}（使える略称: {known}）")


def _check_boundary(scanner: _Scanner, previous: str | None, following: tuple[str, bool] | None) -> None:
    """After a branch number, a following number in the same script needs 第: 167条の2第1項."""
    if previous is not None and following is not None and not following[1] \
            and _is_arabic(previous) == _is_arabic(following[0]):
        raise CitationSyntaxError(
            f"枝番号の後の項・号には「第」を付けてください（例: 167条の2第1項）: 「{scanner.text}」")


def parse_citation(inner: str) -> CitationRef:
    """Parse the inside of [[…]]. Raises CitationSyntaxError with a helpful Japanese message."""
    text = (inner or "").strip().strip("\u3000")
    if not text:
        raise CitationSyntaxError(f"引用が空です（{_EXAMPLE}）")
    abbrev = _abbreviation(text)
    law = ABBREVIATIONS[abbrev]
    scanner = _Scanner(text, _SPACE_RE.match(text, len(abbrev)).end())
    if not scanner.rest():
        raise CitationSyntaxError(f"条番号がありません: 「{text}」（{_EXAMPLE}）")

    if scanner.take("別表"):
        if not scanner.take("第") or (token := scanner.number()) is None:
            raise CitationSyntaxError(f"別表は「別表第三」の形で書いてください: 「{text}」")
        if scanner.rest():
            raise CitationSyntaxError(f"別表の後に読み取れない部分があります: 「{scanner.rest()}」")
        return CitationRef(law, f"appdx_{_number(token)}")

    article = scanner.numbered("条")
    if article is None:
        scanner.take("第")
        if scanner.number() is not None and not scanner.rest():
            raise CitationSyntaxError(f"「条」がありません: 「{text}」（例: 自治法234条）")
        raise CitationSyntaxError(f"条番号を読み取れません: 「{text[len(abbrev):].strip()}」（{_EXAMPLE}）")
    article_branches = scanner.branches()
    last = article_branches[-1] if article_branches else None
    if scanner.text.startswith(("項", "号"), scanner.pos):
        raise CitationSyntaxError(
            f"枝番号の後の項・号には「第」を付けてください（例: 167条の2第1項）: 「{text}」")

    paragraph = scanner.numbered("項")
    _check_boundary(scanner, last, paragraph)
    if paragraph is not None:
        last = None
    item = scanner.numbered("号")
    _check_boundary(scanner, last, item)
    item_branches = scanner.branches() if item is not None else []

    rest = scanner.rest()
    if rest:
        if "条" in rest or "から" in rest or "及び" in rest or "、" in rest:
            raise CitationSyntaxError(f"引用は一つの条・項・号ごとに [[…]] で書いてください: 「{text}」")
        if "項" in rest and item is not None:
            raise CitationSyntaxError(f"項は号より前に書いてください: 「{text}」")
        raise CitationSyntaxError(f"読み取れない部分があります: 「{rest}」（{_EXAMPLE}）")

    article_num = "_".join(str(_number(t)) for t in [article[0], *article_branches])
    item_num = "_".join(str(_number(t)) for t in [item[0], *item_branches]) if item else None
    return CitationRef(law, article_num, _number(paragraph[0]) if paragraph else None, item_num)
