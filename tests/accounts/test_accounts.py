from accounts.models import User
from extensions import db
from tests.conftest import login, make_user


def test_first_account_becomes_admin_then_learners(client):
    for email in ("first@example.jp", "second@example.jp"):
        response = client.post("/register", data={
            "email": email, "display_name": "山田", "organisation": "〇〇市", "password": "tsukuba-city-2027",
            "confirm": "tsukuba-city-2027"})
        assert response.status_code == 302
        client.post("/logout")
    roles = {u.email: u.role for u in db.session.scalars(db.select(User))}
    assert roles == {"first@example.jp": "admin", "second@example.jp": "learner"}


def test_weak_password_is_refused_next_to_the_field(client):
    response = client.post("/register", data={
        "email": "a@example.jp", "display_name": "a", "password": "short", "confirm": "short"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="password-error"' in page and 'aria-invalid="true"' in page
    assert "10" in page
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_email_is_case_folded_and_unique(client):
    make_user("Taro@Example.JP")
    response = client.post("/register", data={
        "email": "taro@example.jp", "display_name": "t", "password": "tsukuba-city-2027",
        "confirm": "tsukuba-city-2027"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_login_and_wrong_password(client):
    make_user("hanako@example.jp")
    bad = client.post("/login", data={"email": "hanako@example.jp", "password": "wrong-password-1"})
    assert bad.status_code == 422
    login(client, "HANAKO@example.jp")


def test_login_redirect_only_to_this_site(client):
    make_user("hanako@example.jp")
    response = client.post("/login?next=https://evil.example/", data={
        "email": "hanako@example.jp", "password": "kanazawa-2027-dx"})
    assert response.headers["Location"].endswith("/dashboard")


def test_sign_in_is_rate_limited(app, client):
    from config import Config
    from extensions import limiter

    app.config["LOGIN_RATE_LIMIT"] = Config.LOGIN_RATE_LIMIT
    limiter.reset()
    codes = [client.post("/login", data={"email": "x@example.jp", "password": "wrong-password-1"}).status_code
             for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429
    page = client.post("/login", data={"email": "x@example.jp", "password": "x"}).get_data(as_text=True)
    assert "試行回数が多すぎます" in page
    limiter.reset()


def test_users_cli_creates_and_changes_roles(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Mentor@Example.jp", "--role", "mentor",
                                 "--password", "mentor-password-2027"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.role).where(User.email == "mentor@example.jp")) == "mentor"
    result = runner.invoke(args=["users", "role", "mentor@example.jp", "admin"])
    assert result.exit_code == 0 and "admin" in result.output
    refused = runner.invoke(args=["users", "create", "--email", "weak@example.jp", "--password", "short"])
    assert refused.exit_code != 0 and "password" in refused.output


def test_admin_changes_a_role_in_the_browser(client, users):
    login(client, "admin@example.jp")
    client.post(f"/admin/users/{users['learner'].id}/role", data={"role": "mentor"})
    assert db.session.get(User, users["learner"].id).role == "mentor"
