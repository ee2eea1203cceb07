"""The survey's own refusals. They subclass the kernel's errors so the gateway maps them to
HTTP like any other, and they cross RPC intact."""

from kernel import nameko as _registers_errors  # noqa: F401 (before the classes: see contracts/__init__.py)
from kernel.errors import Conflict, Forbidden, KernelError


class TooManyRequests(KernelError):
    code, http_status = "rate_limited", 429


class CampaignClosed(Conflict):
    code = "campaign_closed"


class CampaignNotOpen(Conflict):
    code = "campaign_not_open"


class ResponseConflict(Conflict):
    """The response id is taken by a response with different content."""

    code = "response_conflict"


class CodeUsed(Conflict):
    code = "code_used"


class CodeInvalid(Forbidden):
    code = "code_invalid"


class KioskRevoked(Forbidden):
    code = "kiosk_revoked"

