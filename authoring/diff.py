"""Readable differences between two texts, computed on the server with difflib. Pure: no Flask, no database.

Lines are compared first; where a run of lines was replaced, each old line is paired with the new line most
like it and the two are compared character by character, because a Japanese paragraph is one long line and a
change of one word in it should show as that word, not as the whole paragraph removed and added again.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

CONTEXT = 2  # unchanged lines shown around each change
MAX_CHAR_DIFF = 6000  # longer line pairs are shown whole (character diffs of huge lines cost too much)
PAIR_WINDOW = 25  # how far ahead a replaced line looks for its new version


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


@dataclass
class DiffLine:
    """One line of a diff: kind is 'same', 'removed', 'added' or 'gap' (unchanged lines left out). Line numbers
    are 1-based; `segments` split the text into unchanged and changed parts."""

    kind: str
    old_number: int | None = None
    new_number: int | None = None
    segments: list[Segment] = field(default_factory=list)
    skipped: int = 0  # for a gap: how many lines
    pair: "DiffLine | None" = field(default=None, repr=False, compare=False)  # a removed line's new version

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class FileDiff:
    name: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind in ("removed", "added") for line in self.lines)

    @property
    def counts(self) -> tuple[int, int]:
        """(lines removed, lines added)."""
        return (sum(1 for line in self.lines if line.kind == "removed"),
                sum(1 for line in self.lines if line.kind == "added"))


def diff_lines(old: str, new: str, context: int | None = CONTEXT) -> list[DiffLine]:
    """The lines of `old` and `new` as a unified list; with `context`, long unchanged runs become gaps."""
    a, b = _split(old), _split(new)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                out.append(DiffLine("same", i1 + k + 1, j1 + k + 1, [Segment(a[i1 + k])]))
        elif tag == "delete":
            out += [DiffLine("removed", i + 1, None, [Segment(a[i], True)]) for i in range(i1, i2)]
        elif tag == "insert":
            out += [DiffLine("added", None, j + 1, [Segment(b[j], True)]) for j in range(j1, j2)]
        else:
            out += _replace(a, b, i1, i2, j1, j2)
    return _with_gaps(out, context) if context is not None else out


def diff_side_by_side(old: str, new: str, context: int | None = None) -> list[tuple]:
    """Rows of (old line, new line) for two columns: unchanged lines side by side, a changed line beside its
    new version, a removed or an added line beside None. With `context`, gaps are rows of (gap, gap)."""
    rows: list[tuple] = []
    paired: set[int] = set()
    for line in diff_lines(old, new, context=context):
        if line.kind == "removed":
            rows.append((line, line.pair))
            if line.pair is not None:
                paired.add(id(line.pair))
        elif line.kind == "added":
            if id(line) not in paired:
                rows.append((None, line))
        else:
            rows.append((line, line))
    return rows


def _split(text: str) -> list[str]:
    return (text or "").replace("\r\n", "\n").split("\n")


def _replace(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int) -> list[DiffLine]:
    """A replaced block: pair lines greedily by similarity, in order, and diff each pair by characters."""
    out: list[DiffLine] = []
    j = j1
    for i in range(i1, i2):
        best, best_ratio = None, 0.5  # below half alike, lines are shown as removed and added, not paired
        for k in range(j, min(j2, j + PAIR_WINDOW)):
            ratio = _ratio(a[i], b[k])
            if ratio > best_ratio:
                best, best_ratio = k, ratio
        if best is None:
            out.append(DiffLine("removed", i + 1, None, [Segment(a[i], True)]))
            continue
        out += [DiffLine("added", None, k + 1, [Segment(b[k], True)]) for k in range(j, best)]
        old_segments, new_segments = _char_segments(a[i], b[best])
        added = DiffLine("added", None, best + 1, new_segments)
        out += [DiffLine("removed", i + 1, None, old_segments, pair=added), added]
        j = best + 1
    out += [DiffLine("added", None, k + 1, [Segment(b[k], True)]) for k in range(j, j2)]
    return out


def _ratio(x: str, y: str) -> float:
    if len(x) + len(y) > MAX_CHAR_DIFF:
        return 0.0
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    return matcher.quick_ratio() and matcher.ratio()


def _char_segments(x: str, y: str) -> tuple[list[Segment], list[Segment]]:
    old, new = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
        if tag == "equal":
            old.append(Segment(x[i1:i2]))
            new.append(Segment(y[j1:j2]))
        else:
            if i2 > i1:
                old.append(Segment(x[i1:i2], True))
            if j2 > j1:
                new.append(Segment(y[j1:j2], True))
    return old, new


def _with_gaps(lines: list[DiffLine], context: int) -> list[DiffLine]:
    keep = [False] * len(lines)
    for index, line in enumerate(lines):
        if line.kind != "same":
            for k in range(max(0, index - context), min(len(lines), index + context + 1)):
                keep[k] = True
    out: list[DiffLine] = []
    skipped = 0
    for line, kept in zip(lines, keep, strict=True):
        if kept:
            if skipped:
                out.append(DiffLine("gap", skipped=skipped))
                skipped = 0
            out.append(line)
        else:
            skipped += 1
    if skipped and out:
        out.append(DiffLine("gap", skipped=skipped))
    return out
