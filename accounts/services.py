"""Account rules: who may register, what a password must be, how roles change. Flush, never commit."""

from datetime import timedelta
from functools import cache

from blinker import Namespace
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.models import User
from common.auth import ROLES
from common.errors import DomainError
from common.timeutil import utcnow
from extensions import db

MIN_PASSWORD_LENGTH = 10
# A short list of the passwords people actually pick; long enough to catch the obvious, short enough to read.
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "1234567890", "12345678910", "qwertyuiop", "1q2w3e4r5t",
    "iloveyou123", "abcdefghij", "abc1234567", "passw0rd123", "jichitai123", "administrator", "welcome123",
    "letmein123",
})


@cache
def _dummy_hash() -> str:
    """Checked against when the e-mail address is unknown, so that a wrong address takes as long as a wrong
    password and timing does not tell who has an account."""
    return generate_password_hash("not-a-password-anyone-has")

# Sent by the registration view after the new account is flushed and before the one commit, so that packages
# above accounts can add to the same transaction (cohorts: join the cohort whose invite brought the person here).
user_registered = Namespace().signal("user-registered")


class RegistrationRefused(DomainError):
    """Raised by a `user_registered` receiver to undo the registration; the message says why, to the person."""


class AccountError(DomainError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def password_problems(password: str, email: str = "") -> list[str]:
    """Rules a person can satisfy: length, not a well-known password, not the e-mail address."""
    from flask_babel import gettext as _

    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if password.casefold() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess. A short phrase works well."))
    if email and password.casefold() == normalise_email(email):
        problems.append(_("Do not use your e-mail address as the password."))
    return problems


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, display_name: str, organisation: str = "",
                role: str | None = None) -> User:
    """Create an account. The very first account becomes admin, so a fresh install can be administered."""
    from flask_babel import gettext as _

    if find_by_email(email):
        raise AccountError("email", _("An account with this e-mail address already exists."))
    problems = password_problems(password, email)
    if problems:
        raise AccountError("password", " ".join(problems))
    if role is None:
        role = "admin" if db.session.scalar(select(func.count(User.id))) == 0 else "learner"
    if role not in ROLES:
        raise AccountError("role", _("Unknown role: %(role)s", role=role))
    user = User(email=normalise_email(email), display_name=display_name.strip() or email.split("@")[0],
                organisation=organisation.strip(), role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


class AccountLocked(DomainError):
    """Too many wrong passwords in a row: the account refuses sign-in until `until` (naive UTC)."""

    def __init__(self, until):
        super().__init__("The account is locked after too many failed sign-ins.")
        self.until = until


def authenticate(email: str, password: str, max_failures: int = 10, lock_minutes: int = 15) -> User | None:
    """The user whose e-mail and password these are, or None. Per account, `max_failures` wrong passwords in a row
    lock it for `lock_minutes` (raises AccountLocked, without checking the password: not even the right one gets
    in meanwhile); a success resets the count. The count is kept in the database, so every worker and host sees
    the same, and it is raised in SQL (failed_logins + 1), so concurrent attempts are all counted. The caller
    commits, also after a failure."""
    user = find_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until)
    if not check_password_hash(user.password_hash, password):
        db.session.execute(update(User).where(User.id == user.id)
                           .values(failed_logins=User.failed_logins + 1)
                           .execution_options(synchronize_session=False))
        failures = db.session.scalar(select(User.failed_logins).where(User.id == user.id))
        if max_failures and failures >= max_failures:
            until = now + timedelta(minutes=lock_minutes)
            db.session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until)
                               .execution_options(synchronize_session=False))
            db.session.expire(user)
            raise AccountLocked(until)
        db.session.expire(user)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def unlock(email: str) -> User:
    """Lift a sign-in lockout (flask users unlock)."""
    from flask_babel import gettext as _

    user = find_by_email(email)
    if user is None:
        raise AccountError("email", _("No account with this e-mail address."))
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    return user


def set_role(email: str, role: str) -> User:
    from flask_babel import gettext as _

    user = find_by_email(email)
    if user is None:
        raise AccountError("email", _("No account with this e-mail address."))
    if role not in ROLES:
        raise AccountError("role", _("Unknown role: %(role)s", role=role))
    user.role = role
    db.session.flush()
    return user
