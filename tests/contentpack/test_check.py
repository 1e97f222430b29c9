"""`flask content check`: every problem of a broken pack is reported with file, line and field."""

import shutil
import textwrap
from pathlib import Path

import pytest

from contentpack.services import check_pack
from tests.conftest import STATUTES_DIR

LESSON = """\
---
title: 契約は一般競争入札が原則
summary: 要約
minutes: 8
objectives:
  - 4つの方法を挙げられる
tags: [契約]
---

## ルール

契約は一般競争入札、指名競争入札、随意契約又はせり売りの方法により締結します [[自治法234条1項]]。

!!! contrast "民間との違い"
    企業なら自由に発注できます。
"""

QUIZ = """\
title: 確認問題
pass_mark: 80
questions:
  - key: principle
    type: single
    prompt: 原則はどれですか。
    choices:
      - text: 一般競争入札
        correct: true
      - 随意契約
    explanation: 原則は一般競争入札です [[自治法234条2項]]。
    difficulty: 1
    tags: [契約]
  - key: freely
    type: truefalse
    prompt: 自由に随意契約できる。
    answer: false
    explanation: 政令で定める場合に限られます [[自治法234条2項]]。
    difficulty: 1
"""


def write_pack(root: Path, lesson: str = LESSON, quiz: str = QUIZ, glossary: str | None = None) -> Path:
    module = root / "content" / "courses" / "demo" / "01-keiyaku"
    module.mkdir(parents=True)
    (root / "content" / "courses" / "demo" / "course.yaml").write_text("title: デモ講座\n", encoding="utf-8")
    (module / "module.yaml").write_text("title: 契約\nrequires: []\n", encoding="utf-8")
    (module / "01-gensoku.md").write_text(lesson, encoding="utf-8")
    (module / "01-gensoku.quiz.yaml").write_text(quiz, encoding="utf-8")
    if glossary is not None:
        (root / "content" / "glossary.yaml").write_text(glossary, encoding="utf-8")
    return root / "content"


@pytest.fixture
def jichiho(app):
    from statutes.services import import_law_file

    import_law_file(STATUTES_DIR / "322AC0000000067_20260924_506AC0000000065.xml")


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_pack(root).problems]


def test_valid_pack_has_no_problems_and_counts_verified_citations(app, jichiho, tmp_path):
    report = check_pack(write_pack(tmp_path))
    assert report.problems == []
    assert report.citations == 3 and report.verified == 3
    assert report.counts["questions"] == 2


def test_bad_yaml_names_file_and_line(app, tmp_path):
    broken = QUIZ.replace("pass_mark: 80", "pass_mark: [80")
    found = problems(write_pack(tmp_path, quiz=broken))
    assert len(found) == 1
    assert found[0].startswith("content/courses/demo/01-keiyaku/01-gensoku.quiz.yaml:")
    assert ": yaml: " in found[0]


def test_unknown_key(app, tmp_path):
    found = problems(write_pack(tmp_path, lesson=LESSON.replace("minutes: 8", "minutes: 8\nminuts: 9")))
    assert found == [f"content/courses/demo/01-keiyaku/01-gensoku.md:5: minuts: {found[0].split(': ', 2)[2]}"]
    assert "不明なキー" in found[0]


def test_missing_correct_answer(app, tmp_path):
    found = problems(write_pack(tmp_path, quiz=QUIZ.replace("        correct: true\n", "")))
    assert found == ["content/courses/demo/01-keiyaku/01-gensoku.quiz.yaml:7: questions[principle].choices: "
                     "正解(correct: true)がありません"]


def test_truefalse_without_answer(app, tmp_path):
    found = problems(write_pack(tmp_path, quiz=QUIZ.replace("    answer: false\n", "")))
    assert len(found) == 1 and "questions[freely].answer" in found[0] and "正解" in found[0]


def test_duplicate_yaml_key_and_duplicate_question_key(app, tmp_path):
    quiz = QUIZ.replace("pass_mark: 80", "pass_mark: 80\npass_mark: 70").replace("key: freely", "key: principle")
    found = problems(write_pack(tmp_path, quiz=quiz))
    assert "content/courses/demo/01-keiyaku/01-gensoku.quiz.yaml:3: pass_mark: 同じキーが2回書かれています" in found
    assert any(":15: questions[principle].key: 問題キー「principle」が重複しています" in p for p in found)


def test_citation_to_missing_article_paragraph_and_item(app, jichiho, tmp_path):
    lesson = LESSON.replace("[[自治法234条1項]]", "[[自治法999条]] [[自治法234条9項]] [[自治法96条1項99号]]")
    found = problems(write_pack(tmp_path, lesson=lesson))
    assert len(found) == 3
    assert all(p.startswith("content/courses/demo/01-keiyaku/01-gensoku.md:12: body: ") for p in found)
    assert "999" in found[0] and "9項" in found[1].replace("第9項", "9項") and "99" in found[2]


def test_citation_syntax_error_and_unknown_law(app, tmp_path):
    found = problems(write_pack(tmp_path, lesson=LESSON.replace("[[自治法234条1項]]", "[[民法1条]]")))
    assert len(found) == 1 and ":12: body: [[民法1条]]" in found[0]


def test_misquotation_fails(app, jichiho, tmp_path):
    quotation = "「政令で定める場合に該当するときに限り、これによることができる」[[自治法234条2項]]。"
    good = LESSON.replace("契約は一般競争入札、", quotation + "契約は一般競争入札、")
    assert problems(write_pack(tmp_path / "a", lesson=good)) == []
    bad = good.replace("該当するときに限り", "該当する場合に限り")
    found = problems(write_pack(tmp_path / "b", lesson=bad))
    assert len(found) == 1 and "条文にそのままの形では見当たりません" in found[0]


def test_unknown_admonition_and_unclosed_citation(app, tmp_path):
    lesson = LESSON.replace('!!! contrast "民間との違い"', '!!! contrst "民間との違い"').replace(
        "[[自治法234条1項]]", "[[自治法234条1項")
    found = problems(write_pack(tmp_path, lesson=lesson))
    assert any(":14: body: 不明なボックスの種類「contrst」" in p for p in found)
    assert any(":12: body: 「[[」が「]]」で閉じられていません" in p for p in found)


def test_glossary_problems(app, tmp_path):
    glossary = textwrap.dedent("""\
        terms:
          - term: 随意契約
            definition: 競争によらない契約 [[自治法234条2項]]
          - term: 随意契約
            definition: again
          - term: 議決
            definiton: typo
        """)
    found = problems(write_pack(tmp_path, glossary=glossary))
    assert "content/glossary.yaml:4: terms[随意契約].term: 用語「随意契約」が重複しています" in found
    assert any(p.startswith("content/glossary.yaml:7: terms[議決].definiton: 不明なキー") for p in found)


def test_bundled_content_is_clean(app, tmp_path):
    """The shipped course passes the checker against the real statute texts."""
    from statutes.services import import_law_file

    for path in sorted(STATUTES_DIR.glob("*.xml")):
        import_law_file(path)
    root = Path(__file__).resolve().parents[2] / "content"
    report = check_pack(root)
    assert [str(p) for p in report.problems] == []
    assert report.citations > 100 and report.verified == report.citations
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_cli_check_and_import_report_counts_and_fail_on_problems(app, jichiho, tmp_path):
    runner = app.test_cli_runner()
    root = write_pack(tmp_path / "ok")
    result = runner.invoke(args=["content", "check", str(root)])
    assert result.exit_code == 0, result.output
    assert "3 of 3 citations verified against the imported statute text" in result.output
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    broken = write_pack(tmp_path / "bad", lesson=LESSON.replace("[[自治法234条1項]]", "[[自治法999条]]"))
    result = runner.invoke(args=["content", "check", str(broken)])
    assert result.exit_code == 1
    assert "content/courses/demo/01-keiyaku/01-gensoku.md:12: body: [[自治法999条]]" in result.output
    result = runner.invoke(args=["content", "import", str(broken)])
    assert result.exit_code == 1 and "nothing was imported" in result.output


def test_check_says_when_citations_are_not_verified(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["content", "check", str(write_pack(tmp_path))])
    assert result.exit_code == 0 and "NOT verified" in result.output


def test_check_on_an_empty_database_says_what_to_run(tmp_path):
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/e.db"})
    result = app.test_cli_runner().invoke(args=["content", "check", str(write_pack(tmp_path))])
    assert result.exit_code == 1 and "flask db upgrade" in result.output
