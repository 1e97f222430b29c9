"""Per-address limits are counted in the database (RATELIMIT_STORAGE_URI=database://, the default), so every
gunicorn worker and every host sees the same counts; memory:// would count in each worker separately."""

import time

from limits.storage import MemoryStorage

from common.ratelimit import DatabaseStorage
from extensions import db, limiter


def test_counts_are_shared_between_workers(app, wide_pool):
    """Two storages on one database, as two worker processes have: each sees the other's hits."""
    first, second = DatabaseStorage("database://"), DatabaseStorage("database://")
    with app.app_context():
        assert first.incr("LIMITER/203.0.113.5/login", 60) == 1
    with wide_pool.app_context():  # another engine and pool on the same database
        assert second.incr("LIMITER/203.0.113.5/login", 60) == 2
        assert second.get("LIMITER/203.0.113.5/login") == 2
        assert second.get_expiry("LIMITER/203.0.113.5/login") > time.time() + 50
    with app.app_context():
        assert first.incr("LIMITER/203.0.113.5/login", 60, amount=3) == 5
        assert first.get("LIMITER/198.51.100.1/login") == 0
    # What memory:// would do: each worker its own count.
    one, other = MemoryStorage("memory://"), MemoryStorage("memory://")
    one.incr("k", 60)
    assert other.incr("k", 60) == 1


def test_a_window_that_ended_starts_again(app):
    storage = DatabaseStorage("database://")
    with app.app_context():
        storage.incr("LIMITER/x", 60, amount=7)
        from common.ratelimit import RateLimitCounter

        db.session.get(RateLimitCounter, "LIMITER/x").expires_at = time.time() - 1
        db.session.commit()
        assert storage.get("LIMITER/x") == 0
        assert storage.incr("LIMITER/x", 60) == 1
        storage.clear("LIMITER/x")
        assert storage.get("LIMITER/x") == 0


def test_sign_in_limit_holds_across_two_app_instances(app, wide_pool):
    """The limit of 3 a minute, hit alternately through two instances of the app on one database."""
    for instance in (app, wide_pool):
        instance.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    clients = [app.test_client(), wide_pool.test_client()]
    codes = []
    for n in range(5):
        client = clients[n % 2]
        codes.append(client.post("/login", data={"email": "x@example.jp", "password": "wrong-password-1"},
                                 environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code)
    assert codes == [422, 422, 422, 429, 429]
    # Another address is not affected.
    assert clients[0].post("/login", data={"email": "x@example.jp", "password": "wrong-password-1"},
                           environ_base={"REMOTE_ADDR": "192.0.2.45"}).status_code == 422
    limiter.reset()
