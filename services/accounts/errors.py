"""The accounts service's own refusals; ``service.py`` registers them with nameko so they
cross RPC intact, and the gateway answers them like any kernel error."""

from kernel.errors import KernelError


class TooManyAttempts(KernelError):
    """Too many wrong passwords: the account's name is locked out for a while."""

    code, http_status = "too_many_attempts", 429


ACCOUNTS_ERRORS = (TooManyAttempts,)
