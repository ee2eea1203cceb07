"""nameko entrypoints of the survey service.

Settings (nameko config, docs/survey.md "Settings"): SURVEY_MIN_ANSWERS (default 30); the
rate limits (ratelimit.SETTINGS: SURVEY_KIOSK_RATE_PER_MINUTE, …); the burst rule
(SURVEY_BURST_KIOSK_DAY_MAX, SURVEY_BURST_FACTOR, SURVEY_BURST_MIN_RESPONSES); SURVEY_KEYS_URL,
the key store of free text (unset or empty: the survey's own database). Every RPC takes
and returns JSON-able values; see docs/survey.md.
"""

from nameko.exceptions import serialize
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from contracts import survey as _errors  # noqa: F401 (its refusals cross RPC intact)
from kernel.errors import KernelError
from kernel.idempotency import idempotent
from kernel.nameko import (
    EventSourcedService,
    EventStoreProvider,
    FollowedProjection,
    metadata_from,
)
from services.survey.application import SurveyApp, complete_erasures
from services.survey.bursts import BurstRule
from services.survey.campaigns import (
    CAMPAIGN_CLOSED,
    CAMPAIGN_OPENED,
    CAMPAIGN_REOPENED,
    RESULT_COMPUTED,
)
from services.survey.projections import ResultsProjection
from services.survey.ratelimit import RateLimiter, limits_from_config
from services.survey.responses import RESPONSE_SUBMITTED
from services.survey.results import DEFAULT_MIN_ANSWERS
from services.survey.textkeys import TextKeys


class SurveySettings(DependencyProvider):
    """The survey's settings, and its tables outside the log: the rate counters (in the
    survey's database, shared by every replica) and the key store of free text."""

    def setup(self):
        config = self.container.config
        store = next(ext for ext in self.container.dependencies
                     if isinstance(ext, EventStoreProvider)).open()
        self.min_answers = int(config.get("SURVEY_MIN_ANSWERS", DEFAULT_MIN_ANSWERS))
        self.limiter = RateLimiter(limits_from_config(config))
        self.limiter.migrate(store.engine)
        keys_url = config.get("SURVEY_KEYS_URL")
        self.own_key_store = bool(keys_url)
        self.text_keys = TextKeys.at(keys_url) if keys_url else TextKeys(store.engine)
        self.text_keys.migrate()
        complete_erasures(store, self.text_keys)
        defaults = BurstRule()
        self.burst_rule = BurstRule(
            kiosk_day_max=int(config.get("SURVEY_BURST_KIOSK_DAY_MAX", defaults.kiosk_day_max)),
            factor=int(config.get("SURVEY_BURST_FACTOR", defaults.factor)),
            min_responses=int(config.get("SURVEY_BURST_MIN_RESPONSES", defaults.min_responses)))
        self.versions = {}  # published questionnaire versions: immutable, so shared
        self.aggregates = {}  # kiosks and campaigns, re-read whenever their stream moved

    def stop(self):
        if self.own_key_store:
            self.text_keys.dispose()

    def get_dependency(self, worker_ctx):
        return self


class SurveyService(EventSourcedService):
    name = "survey"
    # Responses stay here: the results follow this log, and other services want results only
    # (the campaign stream's events); kiosks, codes and questionnaires stay here too.
    store = EventStoreProvider(private_types=(RESPONSE_SUBMITTED,),
                               published_types=(CAMPAIGN_OPENED, CAMPAIGN_CLOSED,
                                                CAMPAIGN_REOPENED, RESULT_COMPUTED))
    # Its own events only, one stream per response: read from the log, not the broker.
    results = FollowedProjection(ResultsProjection())
    settings = SurveySettings()

    @property
    def app(self) -> SurveyApp:
        return SurveyApp(self.store, self.results.processor, self.settings.limiter,
                         self.settings.min_answers, versions=self.settings.versions,
                         aggregates=self.settings.aggregates,
                         text_keys=self.settings.text_keys, burst_rule=self.settings.burst_rule)

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
    def reopen_campaign(self, campaign_id: str, reason: str, closes_on: str,
                        context: dict | None = None) -> dict:
        """Take more responses after closing; the next close records a new result."""
        return self.app.reopen_campaign(campaign_id, reason, closes_on,
                                        metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    @idempotent
    def record_result(self, campaign_id: str, context: dict | None = None) -> dict:
        return self.app.record_result(campaign_id, metadata_from(context, "survey"))

    @rpc(expected_exceptions=KernelError)
    def get_results(self, campaign_id: str) -> dict:
        return self.app.results(campaign_id)

    @rpc(expected_exceptions=KernelError)
    def get_comments(self, campaign_id: str) -> dict:
        return self.app.comments(campaign_id)

    @rpc(expected_exceptions=KernelError)
    @idempotent
    def erase_free_text(self, campaign_id: str, reason: str,
                        context: dict | None = None) -> dict:
        return self.app.erase_free_text(campaign_id, reason, metadata_from(context, "survey"))

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
