"""Given/When/Then of the sign-in counters: failures within a window lock a name or an address
for a while; the window and the lock-out pass."""

from services.accounts.signins import (
    ACCOUNT,
    ADDRESS,
    DEFAULT_RULES,
    Counter,
    Rule,
    account_key,
    rules_from_config,
)

RULE = Rule(max_failures=3, window_seconds=60, lockout_seconds=300)


def failures(counter, times):
    locked = False
    for now in times:
        counter, locked = counter.after_failure(RULE, now)
    return counter, locked


def test_given_failures_within_the_window_when_the_last_allowed_fails_then_locked():
    counter, locked = failures(Counter(), [0, 10])
    assert not locked and counter.locked(10) is None
    counter, locked = counter.after_failure(RULE, 20)
    assert locked and counter.locked(20) == 300 and counter.locked(321) is None


def test_given_old_failures_when_the_window_has_passed_then_counting_starts_again():
    counter, locked = failures(Counter(), [0, 10, 100])
    assert not locked and counter.failures == 1


def test_names_are_counted_by_their_hash_never_as_typed():
    key = account_key("matkhau-go-nham-o-day")
    assert "matkhau" not in key and key.startswith("account:")


def test_the_rules_come_from_the_settings():
    rules = rules_from_config({"SIGN_IN_MAX_FAILURES": "3", "SIGN_IN_LOCKOUT_SECONDS": "2"})
    assert rules[ACCOUNT] == Rule(3, 900, 2)
    assert rules[ADDRESS] == Rule(DEFAULT_RULES[ADDRESS].max_failures, 900, 2)
