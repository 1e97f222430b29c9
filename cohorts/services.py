"""Cohort rules: creating and editing cohorts, invites, joining and leaving, co-mentors, study sessions, and
who may see what. Plain arguments in, model objects out; flush, never commit; raise CohortError.

Who may see a cohort: an admin every cohort; a mentor the cohorts they created or co-mentor (`manage`); a
learner the cohorts they belong to, and there only their own data and anonymous aggregates (`member`).
"""

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from accounts.models import User
from cohorts.models import Cohort, Membership, StudySession
from common.auth import has_role
from common.errors import DomainError
from common.timeutil import utcnow
from curriculum.models import Course, Module
from extensions import db

# Letters and digits that cannot be mistaken for one another when read aloud or typed from paper (no 0/O, 1/I/L).
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 10


class CohortError(DomainError):
    """A cohort rule was broken; the message is for the person who broke it. `field` names a form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InviteInvalid(CohortError):
    """No cohort has this invite code, or its invites are closed."""


# --- invite codes ------------------------------------------------------------------------------------------


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalise_code(text: str | None) -> str:
    """What a person typed or pasted → the stored form: full-width to ASCII, upper case, no spaces or dashes."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isalnum())[:32]


def display_code(code: str) -> str:
    """ABCDEFGHJK → ABCDE-FGHJK, easier to read out."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) >= 8 else code


def _unused_code() -> str:
    while True:
        code = new_invite_code()
        if db.session.scalar(select(Cohort.id).where(Cohort.invite_code == code)) is None:
            return code


# --- cohorts -----------------------------------------------------------------------------------------------


def courses() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.title)))


def _check_fields(name: str, course_id: int, starts_on: date | None, ends_on: date | None,
                  stall_days: int) -> None:
    if not name.strip():
        raise CohortError(_("Give the cohort a name."), "name")
    course = db.session.get(Course, course_id)
    if course is None or course.archived:
        raise CohortError(_("Choose a course."), "course_id")
    if starts_on and ends_on and ends_on < starts_on:
        raise CohortError(_("The end date must not be before the start date."), "ends_on")
    if not 1 <= stall_days <= 365:
        raise CohortError(_("Enter a number of days from 1 to 365."), "stall_days")


def create_cohort(creator: User, name: str, course_id: int, organisation: str = "", starts_on: date | None = None,
                  ends_on: date | None = None, stall_days: int = 14) -> Cohort:
    """A new cohort with an open invite; its creator is its first mentor."""
    if not has_role(creator, "mentor"):
        raise CohortError(_("Only mentors and administrators can create cohorts."))
    _check_fields(name, course_id, starts_on, ends_on, stall_days)
    cohort = Cohort(name=name.strip(), organisation=(organisation or "").strip(), course_id=course_id,
                    starts_on=starts_on, ends_on=ends_on, stall_days=stall_days, invite_code=_unused_code(),
                    invite_open=True, created_by_id=creator.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(Membership(cohort_id=cohort.id, user_id=creator.id, role="mentor"))
    db.session.flush()
    return cohort


def update_cohort(cohort: Cohort, name: str, course_id: int, organisation: str = "", starts_on: date | None = None,
                  ends_on: date | None = None, stall_days: int = 14) -> Cohort:
    _check_fields(name, course_id, starts_on, ends_on, stall_days)
    cohort.name, cohort.organisation, cohort.course_id = name.strip(), (organisation or "").strip(), course_id
    cohort.starts_on, cohort.ends_on, cohort.stall_days = starts_on, ends_on, stall_days
    db.session.flush()
    return cohort


def get_cohort(cohort_id: int) -> Cohort | None:
    """The cohort with its course (one query)."""
    return db.session.scalar(select(Cohort).options(joinedload(Cohort.course)).where(Cohort.id == cohort_id))


# --- access ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    manage: bool  # admin, the creator or a co-mentor: everything, including every learner's data
    membership: Membership | None  # the user's active membership, if any

    @property
    def member(self) -> bool:
        return self.membership is not None

    @property
    def visible(self) -> bool:
        return self.manage or self.member


def membership_of(cohort_id: int, user_id: int) -> Membership | None:
    """The user's membership of the cohort, active or not."""
    return db.session.scalar(select(Membership).where(Membership.cohort_id == cohort_id,
                                                      Membership.user_id == user_id))


def access(user, cohort: Cohort) -> Access:
    if not (user and user.is_authenticated):
        return Access(False, None)
    membership = membership_of(cohort.id, user.id)
    if membership is not None and not membership.active:
        membership = None
    manage = (has_role(user, "admin")
              or (has_role(user, "mentor") and (cohort.created_by_id == user.id
                                                or (membership is not None and membership.role == "mentor"))))
    return Access(manage, membership)


@dataclass
class CohortListing:
    cohort: Cohort
    learners: int
    my_role: str | None  # "learner", "mentor", or None (an admin looking at someone else's cohort)


def visible_cohorts(user) -> list[CohortListing]:
    """The cohorts the user may open, newest first, with their number of learners (two queries)."""
    learners = (select(Membership.cohort_id, func.count(Membership.id).label("n"))
                .where(Membership.role == "learner", Membership.left_at.is_(None))
                .group_by(Membership.cohort_id).subquery())
    mine = (select(Membership.cohort_id, Membership.role)
            .where(Membership.user_id == user.id, Membership.left_at.is_(None)).subquery())
    query = (select(Cohort, func.coalesce(learners.c.n, 0), mine.c.role)
             .options(joinedload(Cohort.course))
             .outerjoin(learners, learners.c.cohort_id == Cohort.id)
             .outerjoin(mine, mine.c.cohort_id == Cohort.id)
             .order_by(Cohort.created_at.desc(), Cohort.id.desc()))
    if not has_role(user, "admin"):
        conditions = [mine.c.role.is_not(None)]
        if has_role(user, "mentor"):
            conditions.append(Cohort.created_by_id == user.id)
        query = query.where(or_(*conditions))
    return [CohortListing(cohort, n, role) for cohort, n, role in db.session.execute(query)]


# --- invites, joining, leaving ----------------------------------------------------------------------------


def rotate_invite(cohort: Cohort) -> str:
    """A new code: links and codes handed out before stop working."""
    cohort.invite_code = _unused_code()
    db.session.flush()
    return cohort.invite_code


def set_invite_open(cohort: Cohort, is_open: bool) -> None:
    cohort.invite_open = is_open
    db.session.flush()


def cohort_for_invite(code: str | None) -> Cohort:
    """The cohort a valid, open invite code belongs to; InviteInvalid otherwise."""
    code = normalise_code(code)
    cohort = db.session.scalar(select(Cohort).options(joinedload(Cohort.course))
                               .where(Cohort.invite_code == code)) if code else None
    if cohort is None:
        raise InviteInvalid(_("This invite code is not valid. It may have been replaced by a new one: ask your "
                              "mentor for the current link or code."), "code")
    if not cohort.invite_open:
        raise InviteInvalid(_("This cohort is not taking new members at the moment. Ask your mentor."), "code")
    return cohort


def join(user: User, code: str) -> Membership:
    """Join the cohort of an open invite as a learner; joining again after leaving restores the membership.
    Already a member (or a mentor of it): nothing changes."""
    cohort = cohort_for_invite(code)
    membership = membership_of(cohort.id, user.id)
    if membership is None:
        membership = Membership(cohort_id=cohort.id, user_id=user.id, role="learner")
        db.session.add(membership)
    elif not membership.active:
        membership.left_at = None
        membership.joined_at = utcnow()
        membership.role = "learner"
    db.session.flush()
    return membership


def _active_mentors(cohort_id: int) -> int:
    return db.session.scalar(select(func.count(Membership.id)).where(
        Membership.cohort_id == cohort_id, Membership.role == "mentor", Membership.left_at.is_(None))) or 0


def leave(membership: Membership) -> None:
    """Leave the cohort. The last mentor cannot leave (someone has to run it; an admin can still open it)."""
    if not membership.active:
        return
    if membership.role == "mentor" and _active_mentors(membership.cohort_id) <= 1:
        raise CohortError(_("You are the only mentor of this cohort. Add another mentor before leaving."))
    membership.left_at = utcnow()
    db.session.flush()


def remove_member(cohort: Cohort, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.cohort_id != cohort.id or not membership.active:
        raise CohortError(_("This person is not a member of the cohort."))
    leave(membership)
    return membership


def add_mentor(cohort: Cohort, email: str) -> Membership:
    """Make a mentor (or admin) account a co-mentor of the cohort."""
    from accounts.services import find_by_email

    user = find_by_email(email or "")
    if user is None:
        raise CohortError(_("No account with this e-mail address."), "email")
    if not has_role(user, "mentor"):
        raise CohortError(_("Only an account with the mentor role can be a co-mentor. An administrator can "
                            "change its role."), "email")
    membership = membership_of(cohort.id, user.id)
    if membership is None:
        membership = Membership(cohort_id=cohort.id, user_id=user.id, role="mentor")
        db.session.add(membership)
    else:
        membership.role = "mentor"
        if not membership.active:
            membership.left_at = None
            membership.joined_at = utcnow()
    db.session.flush()
    return membership


def set_hide_name(membership: Membership, hide: bool) -> None:
    membership.hide_name = bool(hide)
    db.session.flush()


@dataclass
class Member:
    membership_id: int
    user_id: int
    name: str
    organisation: str
    role: str
    joined_at: object
    hide_name: bool


def members(cohort_id: int) -> list[Member]:
    """Active members, mentors first, then by name (one query)."""
    rows = db.session.execute(
        select(Membership.id, User.id, User.display_name, User.organisation, Membership.role,
               Membership.joined_at, Membership.hide_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.cohort_id == cohort_id, Membership.left_at.is_(None))
        .order_by(Membership.role.desc(), User.display_name, User.id))
    return [Member(*row) for row in rows]


# --- study sessions ----------------------------------------------------------------------------------------


def _course_modules(cohort: Cohort, module_ids) -> list[Module]:
    ids = {int(i) for i in module_ids or []}
    if not ids:
        return []
    found = list(db.session.scalars(select(Module).where(Module.id.in_(ids), Module.course_id == cohort.course_id,
                                                         Module.archived.is_(False))))
    if len(found) != len(ids):
        raise CohortError(_("Choose modules of this cohort's course."), "modules")
    return found


def course_modules(course_id: int) -> list[Module]:
    return list(db.session.scalars(select(Module).where(Module.course_id == course_id,
                                                        Module.archived.is_(False)).order_by(Module.position)))


def add_session(cohort: Cohort, held_on: date, module_ids=(), note: str = "") -> StudySession:
    if held_on is None:
        raise CohortError(_("Enter the date of the meeting."), "held_on")
    session = StudySession(cohort_id=cohort.id, held_on=held_on, note=(note or "").strip(),
                           modules=_course_modules(cohort, module_ids))
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: StudySession, held_on: date, module_ids=(), note: str = "") -> StudySession:
    if held_on is None:
        raise CohortError(_("Enter the date of the meeting."), "held_on")
    session.held_on = held_on
    session.note = (note or "").strip()
    session.modules = _course_modules(session.cohort, module_ids)
    db.session.flush()
    return session


def delete_session(session: StudySession) -> None:
    db.session.delete(session)
    db.session.flush()


def get_session(cohort: Cohort, session_id: int) -> StudySession | None:
    return db.session.scalar(select(StudySession).options(selectinload(StudySession.modules))
                             .where(StudySession.id == session_id, StudySession.cohort_id == cohort.id))


def sessions(cohort_id: int) -> list[StudySession]:
    """The cohort's meetings in date order, with their modules (two queries)."""
    return list(db.session.scalars(select(StudySession).options(selectinload(StudySession.modules))
                                   .where(StudySession.cohort_id == cohort_id)
                                   .order_by(StudySession.held_on, StudySession.id)))


def next_session(all_sessions: list[StudySession], today: date) -> StudySession | None:
    """The first meeting on or after today."""
    return next((s for s in all_sessions if s.held_on >= today), None)

