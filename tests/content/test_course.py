"""The bundled course 「地方自治法 はじめの一歩」 meets its own standard: what each lesson and quiz must contain.
(That every citation and quotation matches the statute text is checked by tests/contentpack/test_check.py.)"""

import re
from collections import Counter
from pathlib import Path

import pytest

from contentpack.reader import read_pack

CONTENT = Path(__file__).resolve().parents[2] / "content"
PACK = read_pack(CONTENT)
LESSONS = [(m, ls) for c in PACK.courses for m in c.modules for ls in m.lessons]
CITATION = re.compile(r"\[\[([^\[\]\n]+?)\]\]")


def test_the_pack_reads_without_problems():
    assert [str(p) for p in PACK.problems] == []


def test_size_of_the_course():
    [course] = PACK.courses
    assert len(course.modules) == 12
    assert len(LESSONS) >= 58
    assert sum(len(ls.quiz.questions) for _, ls in LESSONS) >= 400
    assert len(PACK.terms) >= 150


@pytest.mark.parametrize(("module", "lesson"), LESSONS, ids=[f"{m.slug}/{ls.slug}" for m, ls in LESSONS])
def test_every_lesson_has_what_a_lesson_needs(module, lesson):
    from statutes.citations import parse_citation

    assert lesson.objectives
    assert '!!! contrast "民間との違い"' in lesson.body
    assert re.search(r'^!!! example "', lesson.body, re.M)
    articles = {(ref.law.law_id, ref.article) for ref in map(parse_citation, CITATION.findall(lesson.body))}
    assert len(articles) >= 3
    assert 5 <= lesson.minutes <= 15
    assert lesson.quiz is not None and len(lesson.quiz.questions) >= 6


def test_quizzes_mix_types_scenarios_and_difficulty():
    questions = [q for _, ls in LESSONS for q in ls.quiz.questions]
    assert set(Counter(q.type for q in questions)) == {"single", "multiple", "truefalse", "number", "order"}
    scenarios = [q for q in questions if q.prompt.startswith("あなたは")]
    assert len(scenarios) >= len(questions) / 4
    assert {q.difficulty for q in questions} == {1, 2, 3}
    assert all(CITATION.search(q.explanation) for q in questions)


def test_glossary_terms_are_complete():
    for term in PACK.terms:
        assert term.reading and term.definition and term.private_analogy, term.term
        assert CITATION.search(term.definition), term.term


def test_nothing_left_to_verify():
    leftovers = [str(p.relative_to(CONTENT)) for p in CONTENT.rglob("*") if p.is_file()
                 and "要確認" in p.read_text(encoding="utf-8")]
    assert leftovers == []
