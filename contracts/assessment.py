"""The assessment's own refusals beyond the kernel's; they cross RPC as themselves, with their
code and details."""

from kernel import nameko as _registers_errors  # noqa: F401 (before the classes: see contracts/__init__.py)
from kernel.errors import Conflict


class EvidenceAlreadyAttached(Conflict):
    code = "evidence_already_attached"


class ReportAlreadySent(Conflict):
    """A unit's yearly report was already recorded as sent: a correction says why instead."""

    code = "report_already_sent"
