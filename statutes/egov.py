"""e-Gov 法令標準XML → plain data: articles with plain text, escaped HTML with paragraph and item anchors,
their structure, and the chapter tree. No Flask and no database: services.import_law_file() stores what this
returns.

Only the main provision (本則) and the appended tables (別表, as articles "appdx_<n>") are read; supplementary
provisions (附則) repeat article numbers per amending law and are not cited by the course.
"""

import base64
import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

from statutes.citations import kanji_to_int

# Headings of the main provision, outermost first. In e-Gov's XML they contain their articles; in the derived
# 施行令 file they stand empty before the articles they head. Both are handled (see _Walker).
HEADING_LEVELS = {"Part": 0, "Chapter": 1, "Section": 2, "Subsection": 3, "Division": 4}
APPENDIX_GROUP_TITLE = "別表"
EGOV_API = "https://laws.e-gov.go.jp/api/2"

_LAW_ID_RE = re.compile(r"^\d{3}[0-9A-Z]+$")
_APPDX_TITLE_RE = re.compile(r"^別表(?:第([〇一二三四五六七八九十百千]+|[0-9０-９]+))?")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_IDEOGRAPHIC_SPACE = "\u3000"


class StatuteFormatError(ValueError):
    """The file is not e-Gov law XML this importer understands (the message says why)."""


@dataclass(frozen=True)
class FileInfo:
    law_id: str
    revision_id: str  # <YYYYMMDD>_<amending law ID>; "" when the file name carries none
    enforcement_date: date | None
    amending_law_id: str  # "" for the original text (all zeros in e-Gov's IDs)


@dataclass
class TocNode:
    title: str
    articles: list[str] = field(default_factory=list)
    children: list["TocNode"] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"title": self.title, "articles": self.articles,
                "children": [child.to_json() for child in self.children]}


@dataclass
class ParsedArticle:
    num: str  # "234_3", "8:90" (a deleted range), "appdx_3"
    position: int
    title: str  # 第二百三十四条の三 / 別表第三
    caption: str  # （長期継続契約）
    chapter: str  # "第二編　普通地方公共団体 / 第九章　財務 / 第六節　契約"
    text: str
    html: str
    structure: dict[str, list[str]]  # paragraph num → item nums
    deleted: bool

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class ParsedLaw:
    info: FileInfo
    title: str
    law_num: str
    articles: list[ParsedArticle]
    toc: list[TocNode]

    def toc_json(self) -> str:
        return json.dumps([node.to_json() for node in self.toc], ensure_ascii=False, separators=(",", ":"))


CHAPTER_SEPARATOR = " / "


def parse_filename(name: str) -> FileInfo:
    """`322AC0000000067_20260924_506AC0000000065.xml` → law, revision, date, amending law. A name without a
    revision (`321CONSTITUTION_chapter8.xml`) gives the law ID and an empty revision."""
    stem = Path(name).name.removesuffix(".xml")
    parts = stem.split("_")
    law_id = parts[0]
    if not _LAW_ID_RE.match(law_id):
        raise StatuteFormatError(
            f"{name}: the file name does not start with an e-Gov law ID (e.g. 322AC0000000067_…)")
    if len(parts) == 3 and re.fullmatch(r"\d{8}", parts[1]) and re.fullmatch(r"[0-9A-Z]+", parts[2]):
        day = parts[1]
        try:
            enforced = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        except ValueError as error:
            raise StatuteFormatError(f"{name}: invalid enforcement date {day}") from error
        amending = "" if set(parts[2]) == {"0"} else parts[2]
        return FileInfo(law_id, f"{parts[1]}_{parts[2]}", enforced, amending)
    return FileInfo(law_id, "", None, "")


def parse_law_xml(data: bytes, filename: str) -> ParsedLaw:
    info = parse_filename(filename)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise StatuteFormatError(f"{filename}: not well-formed XML ({error})") from error
    if root.tag != "Law":
        raise StatuteFormatError(f"{filename}: the root element is <{root.tag}>, not <Law>")
    body = root.find("LawBody")
    main = body.find("MainProvision") if body is not None else None
    if main is None:
        raise StatuteFormatError(f"{filename}: no <LawBody><MainProvision>")
    title = _plain(body.find("LawTitle"))
    walker = _Walker()
    walker.walk(main, [])
    appendix = TocNode(APPENDIX_GROUP_TITLE)
    for element in body.findall("AppdxTable"):
        article = _appendix_table(element, len(walker.articles), len(appendix.articles) + 1)
        walker.articles.append(article)
        appendix.articles.append(article.num)
    toc = walker.roots + ([appendix] if appendix.articles else [])
    nums = [a.num for a in walker.articles]
    if len(nums) != len(set(nums)):
        duplicates = sorted({n for n in nums if nums.count(n) > 1})
        raise StatuteFormatError(f"{filename}: duplicate article numbers {', '.join(duplicates)}")
    if not nums:
        raise StatuteFormatError(f"{filename}: no articles in the main provision")
    return ParsedLaw(info, title, _plain(root.find("LawNum")), walker.articles, toc)


class _Walker:
    """Walks the main provision in document order, keeping the stack of open headings. A heading with
    content (e-Gov) is closed when its element ends; an empty heading (the derived 施行令) stays open until a
    heading of the same or a higher level replaces it."""

    def __init__(self):
        self.articles: list[ParsedArticle] = []
        self.roots: list[TocNode] = []

    def walk(self, container: ET.Element, stack: list[tuple[int, TocNode]]) -> None:
        for child in container:
            tag = child.tag
            if tag in HEADING_LEVELS:
                level = HEADING_LEVELS[tag]
                while stack and stack[-1][0] >= level:
                    stack.pop()
                node = TocNode(_plain(child.find(f"{tag}Title")))
                (stack[-1][1].children if stack else self.roots).append(node)
                stack.append((level, node))
                if any(c.tag in HEADING_LEVELS or c.tag == "Article" for c in child):
                    saved = stack[:-1]
                    self.walk(child, stack)
                    stack[:] = saved
            elif tag == "Article":
                if not stack:
                    if not self.roots or self.roots[-1].title or self.roots[-1].children:
                        self.roots.append(TocNode(""))
                    target = self.roots[-1]
                else:
                    target = stack[-1][1]
                chapter = CHAPTER_SEPARATOR.join(node.title for _, node in stack if node.title)
                article = _article(child, len(self.articles), chapter)
                target.articles.append(article.num)
                self.articles.append(article)


# --- inline text -------------------------------------------------------------------------------------------

def _inline(element: ET.Element | None) -> tuple[str, str]:
    """Plain text (readings dropped) and escaped HTML (readings as <ruby>) of a mixed-content element."""
    if element is None:
        return "", ""
    texts, htmls = [element.text or ""], [escape(element.text or "", quote=False)]
    for child in element:
        tag = child.tag
        if tag == "Rt":
            pass
        elif tag == "Ruby":
            base_text, base_html = _inline_without_rt(child)
            reading = "".join(_plain(rt) for rt in child.findall("Rt"))
            texts.append(base_text)
            reading_html = escape(reading, quote=False)
            htmls.append(f"<ruby>{base_html}<rp>（</rp><rt>{reading_html}</rt><rp>）</rp></ruby>"
                         if reading else base_html)
        else:
            text, html = _inline(child)
            texts.append(text)
            if tag in ("Sup", "Sub"):
                html = f"<{tag.lower()}>{html}</{tag.lower()}>"
            htmls.append(html)
        texts.append(child.tail or "")
        htmls.append(escape(child.tail or "", quote=False))
    return "".join(texts), "".join(htmls)


def _inline_without_rt(element: ET.Element) -> tuple[str, str]:
    texts, htmls = [element.text or ""], [escape(element.text or "", quote=False)]
    for child in element:
        if child.tag != "Rt":
            text, html = _inline(child)
            texts.append(text)
            htmls.append(html)
        texts.append(child.tail or "")
        htmls.append(escape(child.tail or "", quote=False))
    return "".join(texts), "".join(htmls)


def _plain(element: ET.Element | None) -> str:
    return _inline(element)[0].strip()


def _sentences(container: ET.Element | None, html_joiner: str = "") -> tuple[str, str]:
    """ParagraphSentence / ItemSentence / Column / TableColumn …: its Sentences, or its Columns separated by
    an ideographic space, as e-Gov prints them."""
    if container is None:
        return "", ""
    texts, htmls = [], []
    columns = container.findall("Column")
    if columns:
        for column in columns:
            text, html = _sentences(column)
            texts.append(text)
            htmls.append(html)
        return _IDEOGRAPHIC_SPACE.join(texts), _IDEOGRAPHIC_SPACE.join(htmls)
    for sentence in container.iter("Sentence"):
        text, html = _inline(sentence)
        texts.append(text.strip())
        htmls.append(html.strip())
    joiner = "\n" if html_joiner else ""
    return joiner.join(texts), (html_joiner or "").join(htmls)


# --- blocks ----------------------------------------------------------------------------------------------

class _Out:
    def __init__(self):
        self.lines: list[str] = []
        self.html: list[str] = []


def _article(element: ET.Element, position: int, chapter: str) -> ParsedArticle:
    num = element.get("Num") or ""
    if not num:
        raise StatuteFormatError(f"an <Article> without Num after position {position}")
    out = _Out()
    structure: dict[str, list[str]] = {}
    out.html.append('<section class="statute-article">')
    for index, paragraph in enumerate(element.findall("Paragraph"), start=1):
        p_num = paragraph.get("Num") or str(index)
        structure[p_num] = _paragraph(paragraph, p_num, out)
    for note in element.findall("SupplNote"):
        text, html = _inline(note)
        out.lines.append(text.strip())
        out.html.append(f'<p class="note">{html.strip()}</p>')
    out.html.append("</section>")
    text = "\n".join(line for line in out.lines if line)
    deleted = element.get("Delete") == "true" or text.strip() == "削除"
    return ParsedArticle(num=num, position=position, title=_plain(element.find("ArticleTitle")),
                         caption=_plain(element.find("ArticleCaption")), chapter=chapter, text=text,
                         html="".join(out.html), structure=structure, deleted=deleted)


def _paragraph_label(paragraph: ET.Element, p_num: str) -> str:
    written = _plain(paragraph.find("ParagraphNum"))
    if written or p_num == "1" or not p_num.isdigit():
        return written
    number = int(p_num)  # an unnumbered paragraph of an old law: e-Gov's convention is ②, ③ …
    return _CIRCLED[number - 1] if number <= len(_CIRCLED) else p_num.translate(_FULLWIDTH)


def _paragraph(paragraph: ET.Element, p_num: str, out: _Out) -> list[str]:
    caption_text, caption_html = _inline(paragraph.find("ParagraphCaption"))
    if caption_text.strip():
        out.lines.append(caption_text.strip())
        out.html.append(f'<p class="paragraph-caption">{caption_html.strip()}</p>')
    label = _paragraph_label(paragraph, p_num)
    text, html = _sentences(paragraph.find("ParagraphSentence"))
    prefix_text = f"{label}{_IDEOGRAPHIC_SPACE}" if label else ""
    prefix_html = f'<span class="paragraph-num">{escape(label)}</span>{_IDEOGRAPHIC_SPACE}' if label else ""
    out.lines.append(prefix_text + text)
    out.html.append(f'<p class="paragraph" id="p{escape(p_num)}">{prefix_html}{html}</p>')
    items = []
    item_elements = paragraph.findall("Item")
    if item_elements:
        out.html.append('<ol class="items">')
        for index, item in enumerate(item_elements, start=1):
            i_num = item.get("Num") or str(index)
            items.append(i_num)
            _item(item, "Item", f"p{p_num}-i{i_num}", out)
        out.html.append("</ol>")
    _extras(paragraph, out, skip={"ParagraphCaption", "ParagraphNum", "ParagraphSentence", "Item"})
    return items


def _item(item: ET.Element, tag: str, anchor: str | None, out: _Out) -> None:
    """An Item (号) or a Subitem1…Subitem10 level, with everything below it, as one <li>."""
    title_text, title_html = _inline(item.find(f"{tag}Title"))
    text, html = _sentences(item.find(f"{tag}Sentence"))
    title_text, title_html = title_text.strip(), title_html.strip()
    out.lines.append(f"{title_text}{_IDEOGRAPHIC_SPACE}{text}" if title_text else text)
    attribute = f' id="{escape(anchor)}"' if anchor else ""
    title = f'<span class="item-title">{title_html}</span>{_IDEOGRAPHIC_SPACE}' if title_text else ""
    out.html.append(f"<li{attribute}>{title}{html}")
    sub_tag = "Subitem1" if tag == "Item" else f"Subitem{int(tag.removeprefix('Subitem')) + 1}"
    subitems = item.findall(sub_tag)
    if subitems:
        out.html.append('<ol class="subitems">')
        for subitem in subitems:
            _item(subitem, sub_tag, None, out)
        out.html.append("</ol>")
    _extras(item, out, skip={f"{tag}Title", f"{tag}Sentence", sub_tag})
    out.html.append("</li>")


def _extras(element: ET.Element, out: _Out, skip: set[str]) -> None:
    """Tables, lists and other structures inside a paragraph or an item."""
    for child in element:
        if child.tag in skip:
            continue
        if child.tag == "TableStruct":
            _table_struct(child, out)
        elif child.tag == "List":
            _list(child, out)
        else:  # FigStruct, StyleStruct, NoteStruct, Class, AmendProvision …: their sentences as a note
            text, html = _sentences(child, html_joiner="<br>")
            if text.strip():
                out.lines.append(text.strip())
                out.html.append(f'<p class="note">{html}</p>')


def _list(element: ET.Element, out: _Out, level: int = 0) -> None:
    out.html.append('<ul class="statute-list">')
    sentence_tag = "ListSentence" if level == 0 else f"Sublist{level}Sentence"
    sub_tag = f"Sublist{level + 1}"
    text, html = _sentences(element.find(sentence_tag))
    out.lines.append(text)
    out.html.append(f"<li>{html}")
    for sub in element.findall(sub_tag):
        _list(sub, out, level + 1)
    out.html.append("</li></ul>")


def _table_struct(struct: ET.Element, out: _Out, caption: str = "") -> None:
    title_text, title_html = _inline(struct.find("TableStructTitle"))
    if title_text.strip():
        out.lines.append(title_text.strip())
        out.html.append(f'<p class="table-title">{title_html.strip()}</p>')
    for table in struct.findall("Table"):
        out.html.append('<div class="table-scroll"><table class="statute-table">')
        if caption:
            out.html.append(f"<caption>{escape(caption)}</caption>")
        for row in table:
            if row.tag not in ("TableRow", "TableHeaderRow"):
                continue
            header = row.tag == "TableHeaderRow"
            cells_text = []
            out.html.append("<tr>")
            for column in row:
                if header:
                    text, html = _inline(column)
                    text, html = text.strip(), html.strip()
                else:
                    text, html = _sentences(column, html_joiner="<br>")
                    if not text and len(column):  # a cell holding items or other structures
                        text, html = _nested_cell(column)
                cells_text.append(text.replace("\n", _IDEOGRAPHIC_SPACE))
                cell = "th" if header else "td"
                spans = "".join(f' {name}="{int(column.get(name))}"' for name in ("rowspan", "colspan")
                                if (column.get(name) or "").isdigit())
                scope = ' scope="col"' if header else ""
                out.html.append(f"<{cell}{scope}{spans}>{html}</{cell}>")
            out.html.append("</tr>")
            out.lines.append(_IDEOGRAPHIC_SPACE.join(t for t in cells_text if t))
        out.html.append("</table></div>")
    _extras(struct, out, skip={"TableStructTitle", "Table"})


def _nested_cell(column: ET.Element) -> tuple[str, str]:
    nested = _Out()
    items = column.findall("Item")
    if items:
        nested.html.append('<ol class="items">')
        for item in items:
            _item(item, "Item", None, nested)
        nested.html.append("</ol>")
    _extras(column, nested, skip={"Item", "Sentence", "Column"})
    return "\n".join(line for line in nested.lines if line), "".join(nested.html)


def _appendix_table(element: ET.Element, position: int, ordinal: int) -> ParsedArticle:
    """別表第三 → an article "appdx_3" whose body is its table(s)."""
    full_title = _plain(element.find("AppdxTableTitle"))
    match = _APPDX_TITLE_RE.match(full_title)
    number = ordinal
    if match and match.group(1):
        token = match.group(1)
        number = int(token.translate(str.maketrans("０１２３４５６７８９", "0123456789"))) \
            if token[0] in "0123456789０１２３４５６７８９" else kanji_to_int(token)
    elif (element.get("Num") or "").isdigit():
        number = int(element.get("Num"))
    title = match.group(0) if match else full_title or f"別表第{number}"
    rest = full_title[len(match.group(0)):] if match else ""
    related = _plain(element.find("RelatedArticleNum"))
    caption = (rest.strip(_IDEOGRAPHIC_SPACE + " ") + related.strip(_IDEOGRAPHIC_SPACE + " ")).strip()
    out = _Out()
    out.html.append('<section class="statute-article statute-appendix">')
    for struct in element.findall("TableStruct"):
        _table_struct(struct, out, caption=f"{title}{_IDEOGRAPHIC_SPACE}{caption}".strip())
    _extras(element, out, skip={"AppdxTableTitle", "RelatedArticleNum", "TableStruct"})
    out.html.append("</section>")
    return ParsedArticle(num=f"appdx_{number}", position=position, title=title, caption=caption,
                         chapter=APPENDIX_GROUP_TITLE, text="\n".join(line for line in out.lines if line),
                         html="".join(out.html), structure={}, deleted=False)


# --- e-Gov law API v2 ------------------------------------------------------------------------------------

class FetchError(RuntimeError):
    pass


def law_data_url(law_id: str) -> str:
    query = urllib.parse.urlencode({"law_full_text_format": "xml", "response_format": "json"})
    return f"{EGOV_API}/law_data/{urllib.parse.quote(law_id, safe='')}?{query}"


def decode_law_data_response(payload: bytes, law_id: str) -> tuple[str, bytes]:
    """The JSON answer of GET /law_data/{id}?law_full_text_format=xml → (file name, XML bytes). The XML comes
    base64-encoded in `law_full_text`; the file is named after `revision_info.law_revision_id`, which is
    `<law ID>_<enforcement date>_<amending law ID>` like the files in STATUTES_DIR."""
    try:
        data = json.loads(payload)
        full_text = data["law_full_text"]
        revision = (data.get("revision_info") or {}).get("law_revision_id") or ""
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise FetchError(f"unexpected answer from e-Gov for {law_id}: {error}") from error
    if isinstance(full_text, str) and full_text.lstrip().startswith("<"):
        xml = full_text.encode("utf-8")
    elif isinstance(full_text, str):
        try:
            xml = base64.b64decode(full_text, validate=False)
        except ValueError as error:
            raise FetchError(f"e-Gov's law_full_text for {law_id} is not base64 XML") from error
    else:
        raise FetchError(f"e-Gov returned no XML text for {law_id} (use law_full_text_format=xml)")
    if not re.fullmatch(r"[0-9A-Z]+_\d{8}_[0-9A-Z]+", revision):
        raise FetchError(f"e-Gov's answer for {law_id} has no usable law_revision_id ({revision!r})")
    if not revision.startswith(law_id + "_"):
        revision = f"{law_id}_{revision.split('_', 1)[1]}"
    return f"{revision}.xml", xml


def fetch_law(law_id: str, timeout: float = 60.0) -> tuple[str, bytes]:
    """Download the current text of a law from e-Gov's law API v2; FetchError on any network problem."""
    if not _LAW_ID_RE.match(law_id):
        raise FetchError(f"not an e-Gov law ID: {law_id!r} (e.g. 322AC0000000067)")
    request = urllib.request.Request(law_data_url(law_id), headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (fixed https URL)
            payload = response.read()
    except urllib.error.HTTPError as error:
        raise FetchError(f"e-Gov answered HTTP {error.code} for {law_id}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"cannot reach e-Gov ({EGOV_API}): {reason}") from error
    return decode_law_data_response(payload, law_id)
