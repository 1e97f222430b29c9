"""The diff behind history, conflicts and the review of amendments (pure, no database)."""

from authoring.diff import FileDiff, diff_lines, diff_side_by_side
from tests.authoring.test_xss import inert


def _marks(line):
    return [(s.text, s.changed) for s in line.segments]


def test_a_changed_word_in_a_long_japanese_line_is_marked_as_that_word():
    old = "見出し\n\n地方公共団体の契約は、一般競争入札の方法により締結する。\n末尾"
    new = "見出し\n\n地方公共団体の契約は、指名競争入札の方法により締結する。\n末尾"
    lines = diff_lines(old, new)
    removed = next(line for line in lines if line.kind == "removed")
    added = next(line for line in lines if line.kind == "added")
    assert ("一般", True) in _marks(removed) and ("指名", True) in _marks(added)
    assert (removed.old_number, added.new_number) == (3, 3)
    assert FileDiff("lesson.md", lines).counts == (1, 1)


def test_unrelated_lines_are_shown_removed_and_added_and_far_context_is_a_gap():
    old = "\n".join(f"行{i}" for i in range(20))
    new = old.replace("行10", "まったく別の内容になった長い行")
    lines = diff_lines(old, new, context=2)
    kinds = [line.kind for line in lines]
    assert kinds == ["gap", "same", "same", "removed", "added", "same", "same", "gap"]
    assert lines[0].skipped == 8 and lines[-1].skipped == 7
    assert _marks(lines[3]) == [("行10", True)]


def test_side_by_side_pairs_a_changed_line_with_its_new_version():
    rows = diff_side_by_side("一\n二は古い\n三", "一\n二は新しい\n挿入\n三")
    assert [(a and a.kind, b and b.kind) for a, b in rows] == [
        ("same", "same"), ("removed", "added"), (None, "added"), ("same", "same")]
    assert not FileDiff("x", diff_lines("同じ", "同じ")).changed


def test_the_inspector_finds_what_it_looks_for():
    assert inert('<p>ok</p><script src="/static/js/site.js"></script>') == []
    for bad in ('<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', "<script>x</script>",
                '<p style="color:red">x</p>', '<form action="https://evil.example/"></form>', "<svg></svg>"):
        assert inert(bad), bad
