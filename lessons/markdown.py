"""The one Markdown pipeline: lessons, explanations and glossary entries all go through render().

Markdown → HTML (tables, footnotes, definition lists, admonitions) with statute citations turned into links,
then sanitised with nh3. It runs when content is imported or saved; pages only output the stored HTML.
"""

import re
import unicodedata
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from statutes.citations import CITATION_RE, CitationRef, CitationSyntaxError, parse_citation
from statutes.services import CitationResolver

ADMONITION_TYPES = {"contrast", "example", "note", "tip", "warning"}
_ADMONITION_RE = re.compile(r"^!!!\s+(\S+)", re.M)
# A passage quoted in 「」 right before a citation is a quotation of that article and must match it verbatim.
_QUOTE_BEFORE_CITATION_RE = re.compile(r"「([^「」\n]+)」\s*(?:\[\[[^\[\]\n]+\]\]\s*)*?\[\[([^\[\]\n]+)\]\]")
_UNCLOSED_CITATION_RE = re.compile(r"\[\[(?![^\[\]\n]*\]\])")

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "area", "map"}
_GLOBAL_ATTRIBUTES = {"class", "id", "title"}
_ALLOWED_ATTRIBUTES = {tag: set(nh3.ALLOWED_ATTRIBUTES.get(tag, set())) | _GLOBAL_ATTRIBUTES
                       for tag in _ALLOWED_TAGS}
_ALLOWED_ATTRIBUTES["th"].add("scope")


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based, within the rendered source
    message: str


@dataclass
class Rendered:
    html: str
    citations: list[CitationRef] = field(default_factory=list)  # in order of appearance, duplicates removed
    problems: list[Problem] = field(default_factory=list)
    verified: int = 0  # citations checked against imported statute text


def normalise_for_quote(text: str) -> str:
    """Compare quotations ignoring whitespace and width (full-width digits/letters vs ASCII)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def render(source: str, resolver: CitationResolver | None = None) -> Rendered:
    resolver = resolver or CitationResolver()
    result = Rendered(html="")
    resolved = _scan_citations(source, resolver, result)
    _check_quotations(source, resolved, result)
    _check_structure(source, result)
    md = markdown.Markdown(
        extensions=["tables", "footnotes", "def_list", "admonition", "sane_lists", "toc",
                    _CitationExtension(resolved)],
        extension_configs={"footnotes": {"BACKLINK_TITLE": "本文に戻る"}, "toc": {"permalink": False}},
        output_format="html",
    )
    result.html = sanitise(md.convert(source))
    return result


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def _line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _scan_citations(source: str, resolver: CitationResolver, result: Rendered) -> dict:
    """Parse and resolve every [[…]] once, recording problems with their line numbers."""
    resolved: dict[str, tuple] = {}
    seen: set[CitationRef] = set()
    for match in CITATION_RE.finditer(source):
        inner = match.group(1)
        line = _line_of(source, match.start())
        try:
            ref = parse_citation(inner)
        except CitationSyntaxError as error:
            result.problems.append(Problem(line, f"[[{inner}]]: {error}"))
            resolved[inner] = (None, None)
            continue
        resolution = resolver.resolve(ref)
        if resolution.problem:
            result.problems.append(Problem(line, f"[[{inner}]]: {resolution.problem}"))
        if resolution.verified and not resolution.problem:
            result.verified += 1
        resolved[inner] = (ref, resolution)
        if ref not in seen:
            seen.add(ref)
            result.citations.append(ref)
    return resolved


def _check_quotations(source: str, resolved: dict, result: Rendered) -> None:
    for match in _QUOTE_BEFORE_CITATION_RE.finditer(source):
        quote, inner = match.group(1), match.group(2)
        ref, resolution = resolved.get(inner, (None, None))
        if ref is None or not resolution.verified or resolution.problem:
            continue
        if normalise_for_quote(quote) not in normalise_for_quote(resolution.text):
            result.problems.append(Problem(
                _line_of(source, match.start()),
                f"「{quote}」は {ref.label()} の条文にそのままの形では見当たりません(引用は条文どおりに)"))


def _check_structure(source: str, result: Rendered) -> None:
    for match in _ADMONITION_RE.finditer(source):
        if match.group(1) not in ADMONITION_TYPES:
            result.problems.append(Problem(
                _line_of(source, match.start()),
                f"不明なボックスの種類「{match.group(1)}」(使えるもの: {', '.join(sorted(ADMONITION_TYPES))})"))
    for match in _UNCLOSED_CITATION_RE.finditer(source):
        result.problems.append(Problem(_line_of(source, match.start()), "「[[」が「]]」で閉じられていません"))


class _CitationInline(InlineProcessor):
    def __init__(self, pattern: str, resolved: dict):
        super().__init__(pattern)
        self.resolved = resolved

    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API)
        ref, resolution = self.resolved.get(m.group(1), (None, None))
        if ref is None:
            el = etree.Element("span", {"class": "cite cite-error"})
            el.text = m.group(1)
            return el, m.start(0), m.end(0)
        el = etree.Element("a", {"class": "cite"})
        if resolution.verified and not resolution.problem:
            el.set("href", ref.href())
            if resolution.caption:
                el.set("title", resolution.caption)
        else:
            el.set("href", ref.egov_href())
            el.set("class", "cite cite-external")
        el.text = ref.label()
        return el, m.start(0), m.end(0)


class _CitationExtension(Extension):
    def __init__(self, resolved: dict):
        super().__init__()
        self.resolved = resolved

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        # Above links (160) so "[[...]]" is never read as a Markdown link.
        md.inlinePatterns.register(_CitationInline(CITATION_RE.pattern, self.resolved), "statute_citation", 175)
