"""The assessment's own refusals beyond the kernel's. The gateway imports this module (after
kernel.nameko), so they cross RPC as themselves, with their code and details."""

from kernel.errors import Conflict


class EvidenceAlreadyAttached(Conflict):
    code = "evidence_already_attached"


class ReportAlreadySent(Conflict):
    """A unit's yearly report was already recorded as sent: a correction says why instead."""

    code = "report_already_sent"
