"""Must show 4: `flask content export` writes everything — web-authored lessons and quizzes, draft lessons,
and the unpublished drafts of published lessons — and import → export → import → export is a fixed point."""

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from contentpack.services import export_pack, import_pack
from curriculum.models import Module
from extensions import db
from lessons.models import Lesson, LessonRevision
from tests.authoring.helpers import BODY, base_of, lesson_form, question_form, single_question
from tests.conftest import ROOT, login

CONTENT = ROOT / "content"


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def _author(app, users):
    """A mentor's afternoon on top of the bundled course: a new module with a published lesson, a new draft
    lesson with a quiz, and unpublished changes (text and quiz) to a published lesson."""
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    course_id = db.session.scalar(select(Module.course_id))
    assert mentor.post(f"/authoring/courses/{course_id}/modules/new",
                       data={"slug": "web-module", "title": "ウェブで作ったモジュール", "summary": "要約",
                             "objectives": "目標1\n目標2"}).status_code == 302
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "web-module"))
    first_module_id = db.session.scalar(select(Module.id).order_by(Module.position).limit(1))
    for module, slug in ((module_id, "published-web"), (first_module_id, "draft-web")):
        assert mentor.post(f"/authoring/modules/{module}/lessons/new",
                           data=lesson_form(slug=slug, title=f"題 {slug}")).status_code == 302
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == slug))
        for key, qtype in (("a", "multiple"), ("b", "number"), ("c", "order")):
            page = mentor.get(f"/authoring/lessons/{lesson_id}/quiz/new/{qtype}").get_data(as_text=True)
            assert mentor.post(f"/authoring/lessons/{lesson_id}/quiz/new/{qtype}",
                               data={**question_form(qtype, key), "base_revision": base_of(page)}).status_code == 302
    published_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "published-web"))
    page = mentor.get(f"/authoring/lessons/{published_id}").get_data(as_text=True)
    assert mentor.post(f"/authoring/lessons/{published_id}/publish",
                       data={"base_revision": base_of(page)}).status_code == 302

    bundled = db.session.scalar(select(Lesson).where(Lesson.slug == "chiho-jichi-no-honshi"))
    page = mentor.get(f"/authoring/lessons/{bundled.id}").get_data(as_text=True)
    assert mentor.post(f"/authoring/lessons/{bundled.id}", data=lesson_form(
        base_of(page), title=bundled.title, body=BODY + "\n未公開の段落。\n")).status_code == 302
    first_key = db.session.scalar(select(LessonRevision).where(LessonRevision.lesson_id == bundled.id)
                                  .order_by(LessonRevision.number.desc())).quiz["questions"][0]["key"]
    page = mentor.get(f"/authoring/lessons/{bundled.id}/quiz/questions/{first_key}").get_data(as_text=True)
    edit = mentor.post(f"/authoring/lessons/{bundled.id}/quiz/questions/{first_key}",
                       data=single_question(first_key, base_revision=base_of(page)))  # a choice question
    assert edit.status_code == 302, edit.get_data(as_text=True)[:2000]
    return bundled


def test_export_round_trip_is_a_fixed_point_with_web_authored_content_and_drafts(app, users, tmp_path):
    import_pack(CONTENT)
    db.session.commit()
    bundled = _author(app, users)
    module_dir = tmp_path / "one" / "courses" / "jichiho-hajimeno-ippo"

    export_pack(tmp_path / "one")
    one = _tree(tmp_path / "one")
    first = next(p for p in one if p.endswith(f"-{bundled.slug}.md") and ".draft" not in p)
    draft = first.replace(".md", ".draft.md")
    assert "未公開の段落" not in one[first] and "未公開の段落" in one[draft]  # published text, then its draft
    assert draft.replace(".md", ".quiz.yaml") in one and "原則となる契約方法" in one[draft.replace(".md", ".quiz.yaml")]
    web = next(p for p in one if p.endswith("-draft-web.md"))
    assert "status: draft" in one[web] and web.replace(".md", ".quiz.yaml") in one
    assert not any(p.endswith("-draft-web.draft.md") for p in one)  # a draft lesson is its own draft
    assert any(p.endswith("-web-module/module.yaml") for p in one)
    assert (module_dir / "13-web-module" / "01-published-web.quiz.yaml").exists()

    # Importing the export into the same database changes nothing, not even the history.
    revisions = db.session.scalar(select(func.count(LessonRevision.id)))
    report = import_pack(tmp_path / "one")
    db.session.commit()
    assert (report.created, report.updated, report.archived) == (0, 0, 0)
    assert db.session.scalar(select(func.count(LessonRevision.id))) == revisions
    export_pack(tmp_path / "two")
    assert _tree(tmp_path / "two") == one

    # Into a fresh database: import → export gives the same files again, drafts included.
    fresh = create_app({"TESTING": True, "SECRET_KEY": "t", "STATUTES_AS_OF": "2026-11-26",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite'}"})
    with fresh.app_context():
        upgrade()
        import_pack(tmp_path / "one")
        db.session.commit()
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == bundled.slug))
        numbers = db.session.execute(select(LessonRevision.number, LessonRevision.published_at.is_not(None))
                                     .where(LessonRevision.lesson_id == lesson.id)
                                     .order_by(LessonRevision.number)).all()
        assert numbers == [(1, True), (2, False)]  # published text, then the pending draft
        assert "未公開の段落" not in lesson.html
        export_pack(tmp_path / "three")
        db.session.remove()
        db.engine.dispose()
    assert _tree(tmp_path / "three") == one


def test_a_draft_file_for_a_draft_lesson_or_without_its_lesson_is_refused(app, tmp_path):
    from contentpack.services import check_pack
    from tests.contentpack.test_check import LESSON, write_pack

    root = write_pack(tmp_path / "a", lesson=LESSON.replace("minutes: 8", "minutes: 8\nstatus: draft"))
    (root / "courses" / "demo" / "01-keiyaku" / "01-gensoku.draft.md").write_text(LESSON, encoding="utf-8")
    (root / "courses" / "demo" / "01-keiyaku" / "02-orphan.draft.md").write_text(LESSON, encoding="utf-8")
    problems = [str(p) for p in check_pack(root).problems]
    assert any("01-gensoku.draft.md:1: file: 下書きファイルは公開中のレッスンにだけ置けます" in p for p in problems)
    assert any("02-orphan.draft.md:1: file: 対応するレッスン 02-orphan.md がありません" in p for p in problems)
    root = write_pack(tmp_path / "b")
    (root / "courses" / "demo" / "01-keiyaku" / "01-gensoku.draft.md").write_text(
        LESSON.replace("minutes: 8", "minutes: 8\nstatus: published"), encoding="utf-8")
    assert any("01-gensoku.draft.md:5: status: 不明なキー" in str(p) for p in check_pack(root).problems)
