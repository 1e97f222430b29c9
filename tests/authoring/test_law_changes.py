"""Must show 3: importing a newer version of a law flags the lessons and questions citing an article that
changed, with the old and new text side by side; reviewing records who and when; a reverse index per article.

The three 地方自治法 files in ../shared/statutes are real versions. Decision on future versions (documented in
docs/architecture.md): a version is compared with the version that was current before it was imported as soon
as it is imported, whether it comes into force now or later. The tests run "as of" 2026-11-26, so 2028-12-11
is a future version: its flags are created at import and say "from 2028-12-11 (not yet in force)", while the
current text stays 2026-09-24.
"""

import re
from datetime import date

from sqlalchemy import select

from authoring.models import ReviewFlag
from contentpack.services import import_pack
from extensions import db
from lessons.models import Lesson, LessonCitation
from quizzes.models import QuestionCitation
from statutes.models import Law
from statutes.services import import_law_file
from tests.authoring.helpers import base_of
from tests.conftest import ROOT, STATUTES_DIR, login

JICHIHO = "322AC0000000067"
OLD = STATUTES_DIR / "322AC0000000067_20260101_506AC1000000064.xml"
CURRENT = STATUTES_DIR / "322AC0000000067_20260924_506AC0000000065.xml"
FUTURE = STATUTES_DIR / "322AC0000000067_20281211_507AC0000000087.xml"


def _course():
    """The bundled course, imported before any statute text (its citations are then recorded unverified)."""
    import_pack(ROOT / "content")
    db.session.commit()


def _citing(nums) -> tuple[dict, dict]:
    """{article: {lesson ids}}, {article: {question ids}} citing 地方自治法 `nums`, from the citation rows."""
    lessons, questions = {}, {}
    for lesson_id, num in db.session.execute(select(LessonCitation.lesson_id, LessonCitation.article_num).where(
            LessonCitation.law_id == JICHIHO, LessonCitation.article_num.in_(list(nums)))):
        lessons.setdefault(num, set()).add(lesson_id)
    for question_id, num in db.session.execute(
            select(QuestionCitation.question_id, QuestionCitation.article_num).where(
                QuestionCitation.law_id == JICHIHO, QuestionCitation.article_num.in_(list(nums)))):
        questions.setdefault(num, set()).add(question_id)
    return lessons, questions


def _flags() -> tuple[dict, dict, dict]:
    lessons, questions, kinds = {}, {}, {}
    for flag in db.session.scalars(select(ReviewFlag)):
        if flag.lesson_id:
            lessons.setdefault(flag.article_num, set()).add(flag.lesson_id)
        else:
            questions.setdefault(flag.article_num, set()).add(flag.question_id)
        kinds[flag.article_num] = flag.change
    return lessons, questions, kinds


def _import(path):
    version, created = import_law_file(path)
    db.session.commit()
    return version


def test_the_2028_version_flags_exactly_the_content_citing_the_articles_it_changes(app, users):
    _course()
    _import(CURRENT)
    assert db.session.scalar(select(ReviewFlag.id)) is None  # a first version has nothing to compare with
    result = app.test_cli_runner().invoke(args=["statutes", "import", str(FUTURE)])
    assert result.exit_code == 0, result.output

    lessons, questions, kinds = _flags()
    # 第204条 changes (特定医師手当 is added to the allowances). So does 別表第一, which the README of the
    # statute files does not mention: its text really differs between the two files (a new row for 地域における
    # 医療及び介護の総合的な確保の促進に関する法律 and renumbered references), so what cites it is flagged too.
    assert set(kinds) == {"204", "appdx_1"} and set(kinds.values()) == {"changed"}
    expected_lessons, expected_questions = _citing({"204", "appdx_1"})
    assert lessons == expected_lessons and questions == expected_questions
    assert lessons["204"] and questions["204"]  # the course does cite 第204条 in lessons and in questions
    assert "204" in {c.article_num for c in db.session.get(Lesson, min(lessons["204"])).citations}

    # The current text is still 2026-09-24; the flags point at the 2028 version, not yet in force.
    law = db.session.scalar(select(Law).where(Law.law_id == JICHIHO))
    assert law.current_version.revision_id.startswith("20260924")
    flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.article_num == "204"))
    assert flag.reviewed_at is None
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    reviews = mentor.get("/authoring/reviews").get_data(as_text=True)
    assert "2028年12月11日施行(未施行)" in reviews and "地方自治法第204条" in reviews
    assert reviews.count("/authoring/reviews/") >= len(lessons["204"]) + len(questions["204"])

    # Importing the same file again, or an older version, flags nothing more.
    count = db.session.query(ReviewFlag).count()
    _import(FUTURE)
    _import(OLD)
    assert db.session.query(ReviewFlag).count() == count


def test_the_2026_09_24_version_flags_the_content_citing_what_changed_since_2026_01_01(app, users):
    _course()
    _import(OLD)
    _import(CURRENT)
    lessons, questions, kinds = _flags()
    changed = {"9", "74_2", "100", "204", "231_4", "242_2", "243", "243_2_7", "243_2_8", "287_2", "appdx_1",
               "appdx_2"}
    added = {"243_2_9", "244_6"}
    expected_lessons, expected_questions = _citing(changed | added)
    assert lessons == expected_lessons and questions == expected_questions
    assert set(kinds) <= changed | added
    assert kinds["244_6"] == "added" and kinds["243_2_8"] == "changed" and kinds["204"] == "changed"
    # Content citing an article that did not change is not flagged.
    unchanged_lessons, _ = _citing({"234"})
    flagged = set().union(*lessons.values())
    assert unchanged_lessons["234"] - flagged
    # The new version is in force: the flags say so.
    flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.article_num == "204"))
    assert flag.new_version_id == db.session.scalar(select(Law.current_version_id))


def test_review_shows_the_texts_side_by_side_and_records_who_and_when(app, users):
    _course()
    _import(CURRENT)
    _import(FUTURE)
    flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.article_num == "204",
                                                      ReviewFlag.lesson_id.is_not(None)))
    flag_id, lesson_id = flag.id, flag.lesson_id
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")

    page = mentor.get(f"/authoring/reviews/{flag_id}").get_data(as_text=True)
    assert "元の条文(2026年9月24日施行)" in page and "新しい条文(2028年12月11日施行)" in page
    assert "<ins>特定医師手当、</ins>" in page  # the change, marked in the new text
    assert "産業教育手当" in page  # unchanged words around it, in both columns
    assert 'href="/statutes/322AC0000000067/204?version=20281211_507AC0000000087"' in page

    # The lesson shows that it needs review, in the workspace and on its editor.
    workspace = mentor.get("/authoring/").get_data(as_text=True)
    row = re.search(rf'<tr id="lesson-{lesson_id}">.*?</tr>', workspace, re.S).group(0)
    assert "要見直し" in row
    editor = mentor.get(f"/authoring/lessons/{lesson_id}").get_data(as_text=True)
    assert f'href="/authoring/reviews/{flag_id}"' in editor

    response = mentor.post(f"/authoring/reviews/{flag_id}/reviewed", data={"next": "review"})
    assert response.status_code == 302
    db.session.expire_all()
    flag = db.session.get(ReviewFlag, flag_id)
    assert flag.reviewed_by_id == users["mentor"].id and flag.reviewed_at.date() >= date(2026, 1, 1)
    assert f"/authoring/reviews/{flag_id}\"" not in mentor.get("/authoring/reviews").get_data(as_text=True)
    done = mentor.get("/authoring/reviews?reviewed=1").get_data(as_text=True)
    assert f"/authoring/reviews/{flag_id}\"" in done and "mentor" in done
    again = mentor.post(f"/authoring/reviews/{flag_id}/reviewed", follow_redirects=True)
    assert "すでに見直し済み" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReviewFlag, flag_id).reviewed_by_id == users["mentor"].id  # the first review stands


def test_the_reverse_index_lists_who_cites_an_article(app, users):
    _course()
    _import(CURRENT)
    lessons, questions = _citing({"204"})
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    page = mentor.get("/authoring/citations/322AC0000000067/204").get_data(as_text=True)
    assert "地方自治法第204条を引用している教材" in page
    for lesson_id in lessons["204"]:
        assert f'href="/authoring/lessons/{lesson_id}"' in page
    assert page.count('/quiz/questions/') == len(questions["204"])
    table = mentor.get("/authoring/citations/322AC0000000067/appdx_1").get_data(as_text=True)
    assert "地方自治法別表第一を引用している教材" in table and "用語集の用語" in table
    nothing = mentor.get("/authoring/citations/322AC0000000067/999").get_data(as_text=True)
    assert "引用しているレッスン・問題・用語はありません" in nothing

    # The statute article page links to it for mentors and admins only.
    link = 'href="/authoring/citations/322AC0000000067/204"'
    assert link in mentor.get("/statutes/322AC0000000067/204").get_data(as_text=True)
    assert link not in app.test_client().get("/statutes/322AC0000000067/204").get_data(as_text=True)
    learner = app.test_client()
    login(learner, "learner@example.jp")
    assert link not in learner.get("/statutes/322AC0000000067/204").get_data(as_text=True)


def test_fixing_a_flagged_lesson_and_publishing_it(app, users, tmp_path):
    """The way a flag is meant to be worked through: read the change, edit, publish, mark reviewed."""
    _course()
    _import(CURRENT)
    _import(FUTURE)
    flag = db.session.scalar(select(ReviewFlag).where(ReviewFlag.lesson_id.is_not(None),
                                                      ReviewFlag.article_num == "204"))
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    page = mentor.get(f"/authoring/lessons/{flag.lesson_id}").get_data(as_text=True)
    body = re.search(r'<textarea[^>]*id="body"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    import html as html_module

    body = html_module.unescape(body) + "\n2028年12月11日からは特定医師手当も加わります [[自治法204条2項]]。\n"
    lesson = db.session.get(Lesson, flag.lesson_id)
    form = {"title": lesson.title, "summary": lesson.summary, "minutes": str(lesson.minutes),
            "objectives": "\n".join(lesson.objectives), "tags": ", ".join(lesson.tags), "body": body,
            "note": "2028年改正を反映", "base_revision": base_of(page), "action": "save"}
    assert mentor.post(f"/authoring/lessons/{flag.lesson_id}", data=form).status_code == 302
    page = mentor.get(f"/authoring/lessons/{flag.lesson_id}").get_data(as_text=True)
    assert mentor.post(f"/authoring/lessons/{flag.lesson_id}/publish",
                       data={"base_revision": base_of(page)}).status_code == 302
    assert mentor.post(f"/authoring/reviews/{flag.id}/reviewed").status_code == 302
    db.session.expire_all()
    assert "特定医師手当も加わります" in db.session.get(Lesson, flag.lesson_id).html
