"""Sign-in lockout per account: after LOGIN_LOCKOUT_FAILURES wrong passwords in a row the account refuses every
sign-in (the right password too) for LOGIN_LOCKOUT_MINUTES, from any address; on top of the per-address rate
limit, which alone would let a guesser spread over many addresses."""

from datetime import timedelta

from accounts.models import User
from common.timeutil import utcnow
from extensions import db
from tests.conftest import make_user

PASSWORD = "kanazawa-2027-dx"


def _sign_in(client, password, address="203.0.113.1", email="hanako@example.jp"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _user():
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == "hanako@example.jp"))


def test_wrong_passwords_from_many_addresses_lock_the_account(app, client):
    app.config.update(LOGIN_LOCKOUT_FAILURES=5, LOGIN_LOCKOUT_MINUTES=15)
    make_user("hanako@example.jp")
    # Every attempt from another address: the per-address limit never applies, the lockout does.
    codes = [_sign_in(client, "wrong-password-1", f"198.51.100.{i}").status_code for i in range(5)]
    assert codes == [422, 422, 422, 422, 429]
    locked = _sign_in(client, PASSWORD, "192.0.2.7")
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "15" in page and 'id="password-error"' in page
    user = _user()
    assert user.locked_until is not None and user.locked_until > utcnow() + timedelta(minutes=14)
    assert client.get("/dashboard").status_code == 302  # not signed in


def test_the_lock_ends_after_its_time_and_success_resets_the_count(app, client):
    app.config.update(LOGIN_LOCKOUT_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
    make_user("hanako@example.jp")
    for _attempt in range(3):
        _sign_in(client, "wrong-password-1")
    assert _sign_in(client, PASSWORD).status_code == 429
    user = _user()
    user.locked_until = utcnow() - timedelta(seconds=1)  # the quarter of an hour has passed
    db.session.commit()
    assert _sign_in(client, PASSWORD).status_code == 302
    assert _user().failed_logins == 0 and _user().locked_until is None
    client.post("/logout")
    # Failures that are not in a row do not add up to a lock.
    for _round in range(3):
        _sign_in(client, "wrong-password-1")
        _sign_in(client, "wrong-password-1")
        assert _sign_in(client, PASSWORD).status_code == 302
        client.post("/logout")


def test_unknown_addresses_lock_nothing_and_say_the_same(app, client):
    app.config.update(LOGIN_LOCKOUT_FAILURES=2)
    make_user("hanako@example.jp")
    for _attempt in range(4):
        response = _sign_in(client, "wrong-password-1", email="nobody@example.jp")
        assert response.status_code == 422
        assert "パスワード" in response.get_data(as_text=True)
    assert _user().failed_logins == 0


def test_an_administrator_can_lift_a_lock(app, client):
    app.config.update(LOGIN_LOCKOUT_FAILURES=2)
    make_user("hanako@example.jp")
    _sign_in(client, "wrong-password-1")
    _sign_in(client, "wrong-password-1")
    assert _sign_in(client, PASSWORD).status_code == 429
    result = app.test_cli_runner().invoke(args=["users", "unlock", "hanako@example.jp"])
    assert result.exit_code == 0, result.output
    assert _sign_in(client, PASSWORD).status_code == 302


def test_concurrent_wrong_passwords_are_all_counted(app, wide_pool):
    """Each failure is counted in SQL (failed_logins + 1), so parallel guesses cannot slip under the limit."""
    import threading

    from accounts import services

    make_user("hanako@example.jp")
    barrier = threading.Barrier(6)

    def guess():
        with wide_pool.app_context():
            barrier.wait(timeout=30)
            try:
                services.authenticate("hanako@example.jp", "wrong-password-1", max_failures=100)
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _user().failed_logins == 6
