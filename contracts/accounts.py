"""The accounts service's own refusals; they cross RPC intact, and the gateway answers them
like any kernel error."""

from kernel import nameko as _registers_errors  # noqa: F401 (before the classes: see contracts/__init__.py)
from kernel.errors import KernelError


class TooManyAttempts(KernelError):
    """Too many wrong passwords: the account's name is locked out for a while."""

    code, http_status = "too_many_attempts", 429

