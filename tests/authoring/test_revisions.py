"""Must show 2: every save is a revision (author, time, note); history, a readable diff between any two, restore
as a new revision; two mentors editing at once never overwrite each other silently."""

import re

from sqlalchemy import select

from extensions import db
from lessons.models import Lesson, LessonRevision
from tests.authoring.helpers import BODY, base_of, head, import_demo, lesson_form, single_question
from tests.conftest import login, make_user


def _signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _revisions(lesson_id):
    db.session.expire_all()
    return db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id)
                              .order_by(LessonRevision.number)).all()


def test_history_diff_and_restore(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    mentor = _signed_in(app, "mentor@example.jp")
    for title, body, note in (("題その2", BODY.replace("企業なら", "会社なら"), "民間の例を直した"),
                              ("題その3", BODY + "\n新しい段落です。\n", "")):
        page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
        assert mentor.post(f"/authoring/lessons/{lesson.id}",
                           data=lesson_form(base_of(page), title=title, body=body, note=note)).status_code == 302
    first, second, third = _revisions(lesson.id)
    assert (first.author_id, second.author_id, third.author_id) == (None, users["mentor"].id, users["mentor"].id)
    assert second.note == "民間の例を直した" and third.created_at >= second.created_at
    assert first.published_at is not None and second.published_at is None

    history = mentor.get(f"/authoring/lessons/{lesson.id}/history").get_data(as_text=True)
    assert history.count('href="/authoring/lessons/1/revisions/') == 3
    assert "mentor" in history and "民間の例を直した" in history and "コンテンツの取り込み" in history
    assert "公開中" in history  # revision 1 is what learners see

    # A readable diff between any two revisions: lines numbered, the changed words marked.
    diff = mentor.get(f"/authoring/lessons/{lesson.id}/diff?a={first.id}&b={second.id}").get_data(as_text=True)
    assert "<del>企業</del>" in diff and "<ins>会社</ins>" in diff
    assert "<del>title: 契約は一般競争入札が原則</del>" in diff and "<ins>title: 題その2</ins>" in diff
    assert 'class="diff-removed"' in diff and 'class="diff-added"' in diff
    both = mentor.get(f"/authoring/lessons/{lesson.id}/diff?a={first.id}&b={third.id}").get_data(as_text=True)
    assert "<ins>新しい段落です。</ins>" in both and "<ins>会社</ins>" not in both  # 1 → 3 skips nothing of 2
    assert mentor.get(f"/authoring/lessons/{lesson.id}/diff?a={first.id}&b=999").status_code == 404
    view = mentor.get(f"/authoring/lessons/{lesson.id}/revisions/{second.id}").get_data(as_text=True)
    assert "title: 題その2" in view and "会社なら" in view

    # Restore revision 1: a new revision 4 with its content; the history keeps 2 and 3.
    response = mentor.post(f"/authoring/lessons/{lesson.id}/revisions/{first.id}/restore",
                           data={"base_revision": str(third.id)})
    assert response.status_code == 302
    revisions = _revisions(lesson.id)
    assert [r.number for r in revisions] == [1, 2, 3, 4]
    assert revisions[3].content == first.content and revisions[3].restored_from == 1
    assert revisions[3].author_id == users["mentor"].id and revisions[3].published_at is None
    assert "版#1から復元" in mentor.get(f"/authoring/lessons/{lesson.id}/history").get_data(as_text=True)


def test_a_conflicting_save_is_refused_with_a_diff_and_a_way_forward(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    bob_id = make_user("second@example.jp", role="mentor").id
    alice, bob = _signed_in(app, "mentor@example.jp"), _signed_in(app, "second@example.jp")
    alice_page = alice.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    bob_page = bob.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    base = base_of(alice_page)
    assert base == base_of(bob_page)

    assert alice.post(f"/authoring/lessons/{lesson.id}",
                      data=lesson_form(base, body=BODY.replace("企業なら", "アリスの会社なら"))).status_code == 302
    refused = bob.post(f"/authoring/lessons/{lesson.id}", data=lesson_form(base, body=BODY + "\nボブの段落。\n"))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert len(_revisions(lesson.id)) == 2  # nothing of Bob's was written
    assert "保存されていません" in html and "mentorさんが" in html
    assert "<ins>アリスの会社</ins>" in html or "<ins>アリスの</ins>" in html  # what Alice changed
    assert "<ins>ボブの段落。</ins>" in html  # what Bob's save would change now
    assert "ボブの段落。" in html.split('id="lesson-form"')[1]  # his text is still in the form
    alice_head = head(lesson.id)
    assert base_of(html.split('id="lesson-form"')[1]) == str(alice_head.id)  # … now based on Alice's revision

    # The way forward: saving again (knowingly, on top of Alice's revision) works.
    resubmit = dict(lesson_form(str(alice_head.id), body=BODY + "\nボブの段落。\n"))
    assert bob.post(f"/authoring/lessons/{lesson.id}", data=resubmit).status_code == 302
    assert [r.author_id for r in _revisions(lesson.id)] == [None, users["mentor"].id, bob_id]
    assert head(lesson.id).body.endswith("ボブの段落。")


def test_stale_quiz_edits_publishes_and_restores_are_refused(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    mentor = _signed_in(app, "mentor@example.jp")
    stale = base_of(mentor.get(f"/authoring/lessons/{lesson.id}/quiz/questions/principle").get_data(as_text=True))
    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    assert mentor.post(f"/authoring/lessons/{lesson.id}",
                       data=lesson_form(base_of(page), body=BODY + "\n追記。\n")).status_code == 302
    count = len(_revisions(lesson.id))

    question = single_question("principle", base_revision=stale)
    refused = mentor.post(f"/authoring/lessons/{lesson.id}/quiz/questions/principle", data=question)
    assert refused.status_code == 409 and "<ins>追記。</ins>" in refused.get_data(as_text=True)
    for url in (f"/authoring/lessons/{lesson.id}/publish",
                f"/authoring/lessons/{lesson.id}/revisions/{_revisions(lesson.id)[0].id}/restore",
                f"/authoring/lessons/{lesson.id}/quiz/questions/principle/move",
                f"/authoring/lessons/{lesson.id}/quiz/questions/freely/remove",
                f"/authoring/lessons/{lesson.id}/quiz/remove"):
        response = mentor.post(url, data={"base_revision": stale, "direction": "down"})
        assert response.status_code == 302, url
        assert "/diff?" in response.headers["Location"], url  # sent to what changed since
    assert len(_revisions(lesson.id)) == count
    assert db.session.get(Lesson, lesson.id).html.count("追記") == 0  # not published


def test_the_database_refuses_a_second_revision_with_the_same_number(app, users, tmp_path, monkeypatch):
    """The guard under the check: of two saves that both read the same newest revision, one is refused."""
    import pytest

    from lessons import services as lesson_services

    lesson = import_demo(tmp_path)
    base = head(lesson.id)
    lesson_services.add_revision(lesson, dict(base.content, body="一つ目"), None, base_id=base.id)
    db.session.flush()
    monkeypatch.setattr(lesson_services, "head_revision", lambda lesson_id: base)  # read before the insert
    with pytest.raises(lesson_services.RevisionConflict):
        lesson_services.add_revision(lesson, dict(base.content, body="二つ目"), None, base_id=base.id)
    monkeypatch.undo()
    assert [r.body for r in _revisions(lesson.id)][1:] == ["一つ目"]


def test_history_lists_revisions_newest_first(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    mentor = _signed_in(app, "mentor@example.jp")
    page = mentor.get(f"/authoring/lessons/{lesson.id}").get_data(as_text=True)
    mentor.post(f"/authoring/lessons/{lesson.id}", data=lesson_form(base_of(page), note="二つ目"))
    history = mentor.get(f"/authoring/lessons/{lesson.id}/history").get_data(as_text=True)
    numbers = re.findall(r'revisions/\d+">#(\d+)</a>', history)
    assert numbers == ["2", "1"]
