"""nameko entrypoints of the survey service.

Settings (nameko config): SURVEY_MIN_ANSWERS (default 30), SURVEY_KIOSK_RATE_PER_MINUTE
(default 10). Every RPC takes and returns JSON-able values; see docs/survey.md.
"""

from nameko.exceptions import registry as nameko_exception_registry
from nameko.exceptions import serialize
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from kernel.errors import KernelError
from kernel.idempotency import idempotent
from kernel.nameko import (
    EventSourcedService,
    EventStoreProvider,
    FollowedProjection,
    metadata_from,
)
from services.survey.application import SurveyApp
from services.survey.campaigns import CAMPAIGN_CLOSED, CAMPAIGN_OPENED, RESULT_COMPUTED
from services.survey.errors import SURVEY_ERRORS
from services.survey.projections import ResultsProjection
from services.survey.ratelimit import DEFAULT_PER_MINUTE, RateLimiter
from services.survey.responses import RESPONSE_SUBMITTED
from services.survey.results import DEFAULT_MIN_ANSWERS

# kernel.nameko registers the kernel's errors when it is imported, before these exist; a
# client (the gateway) must import this module, or services.survey.errors and register them.
for _cls in SURVEY_ERRORS:
    nameko_exception_registry[f"{_cls.__module__}.{_cls.__name__}"] = _cls


class SurveySettings(DependencyProvider):
    """One rate limiter per container, so all its workers count a kiosk together."""

    def setup(self):
        config = self.container.config
        self.min_answers = int(config.get("SURVEY_MIN_ANSWERS", DEFAULT_MIN_ANSWERS))
        self.limiter = RateLimiter(int(config.get("SURVEY_KIOSK_RATE_PER_MINUTE",
                                                  DEFAULT_PER_MINUTE)))
        self.versions = {}  # published questionnaire versions: immutable, so shared
        self.aggregates = {}  # kiosks and campaigns, re-read whenever their stream moved

    def get_dependency(self, worker_ctx):
        return self


class SurveyService(EventSourcedService):
    name = "survey"
    # Responses stay here: the results follow this log, and other services want results only
    # (the campaign stream's events); kiosks, codes and questionnaires stay here too.
    store = EventStoreProvider(private_types=(RESPONSE_SUBMITTED,),
                               published_types=(CAMPAIGN_OPENED, CAMPAIGN_CLOSED, RESULT_COMPUTED))
    # Its own events only, one stream per response: read from the log, not the broker.
    results = FollowedProjection(ResultsProjection())
    settings = SurveySettings()

    @property
    def app(self) -> SurveyApp:
        return SurveyApp(self.store, self.results.processor, self.settings.limiter,
                         self.settings.min_answers, versions=self.settings.versions,
                         aggregates=self.settings.aggregates)

    # -- questionnaires -------------------------------------------------------------------
    @rpc(expected_exceptions=KernelError)
    @idempotent
    def publish_questionnaire(self, questionnaire: dict, context: dict | None = None) -> dict:
        return self.app.publish_questionnaire(questionnaire, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    def get_questionnaire(self, questionnaire_id: str, version: int | None = None) -> dict:
        return self.app.get_questionnaire(questionnaire_id, version)

    # -- campaigns ------------------------------------------------------------------------
    @rpc(expected_exceptions=KernelError)
    @idempotent
    def open_campaign(self, campaign: dict, context: dict | None = None) -> dict:
        return self.app.open_campaign(campaign, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    def get_campaign(self, campaign_id: str) -> dict:
        return self.app.get_campaign(campaign_id)

    @rpc(expected_exceptions=KernelError)
    @idempotent
    def close_campaign(self, campaign_id: str, context: dict | None = None) -> dict:
        return self.app.close_campaign(campaign_id, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    @idempotent
    def record_result(self, campaign_id: str, context: dict | None = None) -> dict:
        return self.app.record_result(campaign_id, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    def get_results(self, campaign_id: str) -> dict:
        return self.app.results(campaign_id)

    @rpc(expected_exceptions=KernelError)
    @idempotent
    def issue_codes(self, campaign_id: str, count: int, context: dict | None = None) -> dict:
        return self.app.issue_codes(campaign_id, count, metadata_from(context, "survey"))

    # -- kiosks ---------------------------------------------------------------------------
    @rpc(expected_exceptions=KernelError)
    @idempotent
    def register_kiosk(self, kiosk: dict, context: dict | None = None) -> dict:
        return self.app.register_kiosk(kiosk, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    @idempotent
    def revoke_kiosk(self, kiosk_id: str, reason: str = "",
                     context: dict | None = None) -> dict:
        return self.app.revoke_kiosk(kiosk_id, reason, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    def get_kiosk(self, kiosk_id: str) -> dict:
        return self.app.kiosk(kiosk_id).to_dict()

    @rpc(expected_exceptions=KernelError)
    def kiosk_campaign(self, kiosk_token: str) -> dict:
        return self.app.kiosk_campaign(kiosk_token)

    # -- responses ------------------------------------------------------------------------
    # The caller's context is accepted like every write's but not recorded: a response's
    # metadata names the kiosk and the day only (docs/survey.md, "Privacy").
    @rpc(expected_exceptions=KernelError)
    def submit_response(self, kiosk_token: str, response: dict,
                        context: dict | None = None) -> dict:
        return self.app.submit(kiosk_token, response)

    @rpc(expected_exceptions=KernelError)
    def submit_batch(self, kiosk_token: str, responses: list,
                     context: dict | None = None) -> dict:
        return self.app.submit_batch(kiosk_token, responses)

    @rpc(expected_exceptions=KernelError)
    def submit_many(self, submissions: list) -> list:
        """Responses from several kiosks, gathered by the gateway (one per HTTP request):
        each outcome is ``{"response": acceptance}`` or ``{"error": <nameko-serialised
        KernelError>}``, which the gateway raises for that request alone."""
        return [{"error": serialize(outcome)} if isinstance(outcome, KernelError)
                else {"response": outcome} for outcome in self.app.submit_many(submissions)]
