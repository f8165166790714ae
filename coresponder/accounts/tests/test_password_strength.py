"""Passwords are refused when they are easy to guess (zxcvbn), beside the common-password list."""

from __future__ import annotations

import pytest
from django.conf import settings

from coresponder.accounts import actions
from coresponder.accounts.models import Role, User
from coresponder.core.exceptions import DomainError
from coresponder.core.models import AuditEntry
from coresponder.demo.generator import DEMO_PASSWORD
from coresponder.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

TOO_GUESSABLE = (
    "This password is too easy to guess: digits alone, a keyboard pattern, or a common word "
    "with small changes. Use three or four uncommon words, or a longer phrase."
)


def create(agencies, password: str) -> User:
    return actions.create_user(
        username="newuser",
        full_name="Clinician 40",
        agency=agencies["behavioral_health"],
        roles=[Role.CLINICIAN],
        password=password,
        acting_user=None,
    )


@pytest.mark.parametrize(
    "password",
    ["123456789012", "qwertyuiopas", "asdfghjkl;12", "newuser12345", "Clinician404040"],
)
def test_a_guessable_password_is_refused_and_nothing_saved(agencies, password):
    # when
    with pytest.raises(DomainError) as refused:
        create(agencies, password)

    # then
    assert TOO_GUESSABLE in refused.value.fields["password"]
    assert not User.objects.filter(username="newuser").exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "a-long-enough-passphrase"])
def test_the_fixture_and_demo_passwords_are_strong_enough(agencies, password):
    user = create(agencies, password)

    assert user.check_password(password)


def test_the_guessability_check_stands_beside_the_common_password_list():
    names = [validator["NAME"] for validator in settings.AUTH_PASSWORD_VALIDATORS]

    assert names[-2:] == [
        "django.contrib.auth.password_validation.CommonPasswordValidator",
        "coresponder.accounts.passwords.GuessabilityValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[-1]["OPTIONS"] == {"min_score": 3}
