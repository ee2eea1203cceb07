"""The survey's use cases: read a stream, let the domain decide, append with the version read.

Plain Python over an event store, so the store-backed tests run exactly what the nameko
entrypoints run; ``service.py`` only unpacks RPC arguments and builds the metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from contracts.survey import CampaignClosed, CodeInvalid, CodeUsed, ResponseConflict
from kernel import clock, unit_of_work
from kernel.errors import (
    ConcurrencyError,
    DuplicateEventError,
    KernelError,
    NotFound,
    ValidationFailed,
)
from kernel.events import Actor, Metadata
from kernel.follower import LogFollower
from kernel.schema import events as events_table
from kernel.store import NO_STREAM
from services.survey import (
    campaigns,
    kiosks,
    projections,
    questionnaires,
    ratelimit,
    responses,
    results,
    screening,
    textkeys,
)
from services.survey.bursts import DEFAULT_RULE, BurstRule
from services.survey.campaigns import Campaign
from services.survey.kiosks import Kiosk, SingleUseCode
from services.survey.questionnaires import Questionnaire, QuestionnaireVersion
from services.survey.ratelimit import CAMPAIGN, CODES, ISSUER, KIOSK, Demand, RateLimiter
from services.survey.responses import Submission
from services.survey.schemas import (
    CampaignSchema,
    KioskSchema,
    QuestionnaireSchema,
    ResponseSchema,
    load,
)
from services.survey.textkeys import TextKeys

log = logging.getLogger(__name__)
MAX_BATCH = 200
MAX_CACHED_AGGREGATES = 10_000


def vietnam_today() -> date:
    return clock.now().date()


class _DayPrecisionStore:
    """Every survey event is stamped with the day only, not just responses: precisely timed
    neighbours (a code issued at 09:14, a kiosk revoked at 09:20) would otherwise bracket
    the responses between them in the log's order."""

    def __init__(self, store):
        self._store = store

    def append(self, stream, expected_version, new_events, metadata, conn=None):
        return self._store.append(stream, expected_version, new_events,
                                  responses.day_precision(metadata), conn=conn)

    def append_many(self, appends, conn=None):
        return self._store.append_many(
            [(stream, expected, new_events, responses.day_precision(metadata))
             for stream, expected, new_events, metadata in appends], conn=conn)

    def group_transaction(self):
        """The transaction of a group of responses. The nameko store's own transaction wakes
        the relay and every log follower when it ends, whatever it wrote; the appends made
        in this one (``append_many`` with ``conn``) wake only those their records concern —
        here nobody, as responses are private and the results follow in the transaction."""
        return getattr(self._store, "store", self._store).transaction()

    def __getattr__(self, name):
        return getattr(self._store, name)


class SurveyApp:
    """``limiter`` keeps its counts in the store's database; ``text_keys`` is the key store
    of free text (by default a table of the store's database). Without ``processor`` (tests,
    tools) their tables and the read model's are created here; service.py does it once per
    container."""

    def __init__(self, store, processor: LogFollower | None = None,
                 limiter: RateLimiter | None = None,
                 min_answers: int = results.DEFAULT_MIN_ANSWERS,
                 today: Callable[[], date] = vietnam_today,
                 versions: dict | None = None, aggregates: dict | None = None,
                 text_keys: TextKeys | None = None, burst_rule: BurstRule = DEFAULT_RULE):
        self.store = _DayPrecisionStore(store)
        # Published questionnaire versions never change, so a container may keep them
        # (service.py passes one dict per container; without it, nothing is kept).
        self.versions = {} if versions is None else versions
        # Kiosks and campaigns by stream, for submit_many: each use checks the stream's
        # version first and re-reads a stream that moved, so a revocation or a close is
        # never missed; the cache only saves re-reading streams that did not change.
        self.aggregates = {} if aggregates is None else aggregates
        self.limiter = limiter or RateLimiter()
        self.text_keys = text_keys or TextKeys(store.engine)
        if processor is None:  # without nameko (tests, tools): the read model is caught up on read
            processor = LogFollower(store, projections.ResultsProjection())
            processor.prepare()
            self.limiter.migrate(store.engine)
            self.text_keys.migrate()
        self.processor = processor
        self.min_answers = min_answers
        self.burst_rule = burst_rule
        self.today = today

    # -- questionnaires -------------------------------------------------------------------
    def questionnaire(self, questionnaire_id: str) -> Questionnaire:
        if questionnaire_id in questionnaires.BUILT_IN:
            self._seed_built_in(questionnaire_id)
        return Questionnaire.from_events(
            questionnaire_id, self.store.read_stream(questionnaires.stream_name(questionnaire_id)))

    def _seed_built_in(self, questionnaire_id: str) -> None:
        """The built-in questionnaire's first version (satisfaction's, or Form 04's), by its
        fixed event id, the first time it is read."""
        stream = questionnaires.stream_name(questionnaire_id)
        if self.store.stream_version(stream):
            return
        publication = questionnaires.BUILT_IN[questionnaire_id]
        try:
            self.store.append(stream, NO_STREAM, publication(self.today()),
                              Metadata(actor=Actor.system("survey")))
        except (ConcurrencyError, DuplicateEventError):
            pass  # another worker seeded it first: the same fixed event

    def publish_questionnaire(self, payload: dict, metadata: Metadata) -> dict:
        given = load(QuestionnaireSchema, payload, "questionnaire")
        current = self.questionnaire(given["questionnaire_id"])
        new_events = current.publish(given["title"], given["questions"], self.today(),
                                     purpose=given["purpose"])
        if new_events:
            self.store.append(questionnaires.stream_name(current.questionnaire_id),
                              current.version, new_events, metadata)
        return self.questionnaire(current.questionnaire_id).get().to_dict()

    def get_questionnaire(self, questionnaire_id: str, version: int | None) -> dict:
        return self.questionnaire(questionnaire_id).get(version).to_dict()

    # -- campaigns ------------------------------------------------------------------------
    def campaign(self, campaign_id: str) -> Campaign:
        return Campaign.from_events(campaign_id,
                                    self.store.read_stream(campaigns.stream_name(campaign_id)))

    def open_campaign(self, payload: dict, metadata: Metadata) -> dict:
        given = load(CampaignSchema, payload, "campaign")
        qid = given["questionnaire_id"] or questionnaires.DEFAULT_ID
        version = self.questionnaire(qid).get(given["questionnaire_version"])
        # One campaign per commune, period and purpose: the questionnaire's purpose names it.
        current = self.campaign(campaigns.campaign_id(given["commune_code"], given["period"],
                                                      version.purpose))
        new_events = current.open(
            commune_code=given["commune_code"], period=given["period"], questionnaire_id=qid,
            questionnaire_version=version.version, opens_on=given["opens_on"],
            closes_on=given["closes_on"], target_sample=given["target_sample"],
            last_year_cases=given["last_year_cases"], require_code=given["require_code"],
            purpose=version.purpose)
        self.store.append(campaigns.stream_name(current.campaign_id), current.version,
                          new_events, metadata)
        return self.get_campaign(current.campaign_id)

    def get_campaign(self, campaign_id: str) -> dict:
        campaign = self.campaign(campaign_id)
        body = campaign.to_dict(self.today())
        body["questionnaire"] = self._version_of(campaign).to_dict()
        return body

    def _version_of(self, campaign: Campaign) -> QuestionnaireVersion:
        key = (campaign.questionnaire_id, campaign.questionnaire_version)
        found = self.versions.get(key)
        if found is None:
            found = self.questionnaire(key[0]).get(key[1])
            self.versions[key] = found
        return found

    def close_campaign(self, campaign_id: str, metadata: Metadata) -> dict:
        current = self.campaign(campaign_id)
        self.store.append(campaigns.stream_name(campaign_id), current.version,
                          current.close(self.today()), metadata)
        return {"campaign": self.get_campaign(campaign_id),
                "result": self.record_result(campaign_id, metadata)}

    def reopen_campaign(self, campaign_id: str, reason: str, closes_on, metadata: Metadata) -> dict:
        current = self.campaign(campaign_id)
        try:
            closes_on = date.fromisoformat(str(closes_on))
        except ValueError as exc:
            raise ValidationFailed("value.date_format", {"closes_on": closes_on},
                                   {"field": "closes_on"}) from exc
        self.store.append(campaigns.stream_name(campaign_id), current.version,
                          current.reopen(reason, closes_on, self.today()), metadata)
        return self.get_campaign(campaign_id)

    def record_result(self, campaign_id: str, metadata: Metadata) -> dict:
        """Append SatisfactionResultComputed for a closed campaign unless it is there; a
        close that crashed after CampaignClosed is completed by calling this again."""
        campaign = self.campaign(campaign_id)
        result, satisfied = self._compute(campaign)
        new_events = campaign.record_result(results.event_data(result, satisfied))
        if new_events:
            try:
                self.store.append(campaigns.stream_name(campaign_id), campaign.version,
                                  new_events, metadata)
            except ConcurrencyError:
                pass  # a concurrent call recorded it, from the same counts
        return result

    def results(self, campaign_id: str) -> dict:
        return self._compute(self.campaign(campaign_id))[0]

    def _compute(self, campaign: Campaign) -> tuple[dict, int]:
        campaign.require_exists()
        self.catch_up()
        with self.store.reader.connect() as conn:
            total, per_question, late = projections.counts(conn, campaign.campaign_id)
            kiosk_days = projections.campaign_kiosk_days(conn, campaign.campaign_id)
        version = self._version_of(campaign)
        # A recorded result fixes the rules it was judged by, whatever the settings now; a
        # reopened campaign is recounted by the same rules.
        recorded = campaign.result or campaign.judged_by or {}
        minimum = recorded.get("min_answers", self.min_answers)
        rule = BurstRule(**recorded["burst_rule"]) if recorded.get("burst_rule") else self.burst_rule
        result = results.compute(campaign, version, total, per_question, minimum, late,
                                 kiosk_days, rule)
        return result, results.pooled_satisfied(version, per_question)

    def catch_up(self) -> None:
        """Bring the read model up to the log's head. Positions are assigned under the head
        lock, so once caught up every response before a close event is counted."""
        self.processor.follow()

    def issue_codes(self, campaign_id: str, count: int, metadata: Metadata) -> dict:
        if isinstance(count, bool) or not isinstance(count, int) or not (
                1 <= count <= kiosks.MAX_CODES_PER_CALL):
            raise ValidationFailed("survey.codes_per_call", {"count": count},
                                   {"max": kiosks.MAX_CODES_PER_CALL})
        campaign = self.campaign(campaign_id)
        campaign.require_exists()
        if campaign.state == campaigns.CLOSED:
            raise CampaignClosed("survey.closed_no_codes", {"campaign_id": campaign_id})
        codes = [kiosks.new_code() for _ in range(count)]
        with self.store.transaction() as conn:
            self.limiter.take(conn, Demand({CODES: ratelimit.key(
                CODES, campaign_id, _person(metadata.actor.subject))}, count))
            for stream, event in kiosks.issue_events(campaign_id, codes, self.today()):
                self.store.append(stream, NO_STREAM, [event], metadata, conn=conn)
        return {"campaign_id": campaign_id, "codes": codes, "count": count}

    # -- kiosks ---------------------------------------------------------------------------
    def kiosk(self, kiosk_id: str) -> Kiosk:
        return Kiosk.from_events(kiosk_id, self.store.read_stream(kiosks.kiosk_stream(kiosk_id)))

    def register_kiosk(self, payload: dict, metadata: Metadata) -> dict:
        given = load(KioskSchema, payload, "kiosk")
        kiosk_id = kiosks.new_kiosk_id()
        token = kiosks.new_token(kiosk_id)
        new_events = Kiosk(kiosk_id).register(given["commune_code"], given["label"], token,
                                              self.today())
        self.store.append(kiosks.kiosk_stream(kiosk_id), NO_STREAM, new_events, metadata)
        return {**self.kiosk(kiosk_id).to_dict(), "token": token}

    def revoke_kiosk(self, kiosk_id: str, reason: str, metadata: Metadata) -> dict:
        current = self.kiosk(kiosk_id)
        self.store.append(kiosks.kiosk_stream(kiosk_id), current.version,
                          current.revoke(reason, self.today()), metadata)
        return self.kiosk(kiosk_id).to_dict()

    def authenticate(self, token: str) -> Kiosk:
        return self.kiosk(kiosks.kiosk_id_of(token)).authenticate(token)

    def kiosk_campaign(self, token: str) -> dict:
        """The kiosk and the campaign of its commune that accepts responses today (the one
        opened last if several do, whatever its period and purpose: a satisfaction survey or
        a Form 04 one), with its questionnaire: what the kiosk page shows."""
        kiosk = self.authenticate(token)
        prefix = campaigns.stream_name(campaigns.commune_prefix(kiosk.commune_code))
        with self.store.reader.connect() as conn:
            streams = conn.execute(
                select(events_table.c.stream).where(
                    events_table.c.type == campaigns.CAMPAIGN_OPENED,
                    events_table.c.stream.startswith(prefix, autoescape=True))
                .order_by(events_table.c.position.desc())).scalars().all()
        today = self.today()
        for stream in streams:
            campaign = self.campaign(stream.removeprefix("campaign-"))
            if campaign.to_dict(today)["accepting"]:
                return {"kiosk": kiosk.to_dict(), "campaign": self.get_campaign(
                    campaign.campaign_id)}
        raise NotFound("survey.no_campaign_today", {"commune_code": kiosk.commune_code,
                                            "today": today.isoformat()})

    # -- responses ------------------------------------------------------------------------
    def submit(self, token: str, payload: dict) -> dict:
        return self._submit_one(self.authenticate(token), payload)

    def submit_batch(self, token: str, items: list) -> dict:
        """Each item is judged on its own, so a kiosk can clear what went through and keep
        the rest. A failure that is nobody's fault (the database) fails the whole call:
        resending everything is safe, because replays are recognised. The items go as one
        group (``submit_many``): a kiosk back online sends up to 200, and its rate limit
        takes the first ones in order and refuses the rest in one transaction."""
        kiosk = self.authenticate(token)
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            raise ValidationFailed("survey.batch_size",
                                   {"responses": len(items) if isinstance(items, list) else None},
                                   {"max": MAX_BATCH})
        outcomes = []
        for item, outcome in zip(items, self.submit_many(
                [{"kiosk_token": token, "response": item} for item in items]), strict=True):
            response_id = item.get("response_id") if isinstance(item, dict) else None
            if isinstance(outcome, ResponseConflict):
                outcome = _failure(response_id, "conflict", outcome)
            elif isinstance(outcome, KernelError):
                outcome = _failure(response_id, "refused", outcome)
            outcomes.append(outcome)
        summary = {kind: sum(1 for o in outcomes if o["result"] == kind)
                   for kind in ("accepted", "duplicate", "conflict", "refused")}
        return {"kiosk_id": kiosk.kiosk_id, "results": outcomes, "summary": summary}

    def submit_many(self, items: list) -> list:
        """Responses from many kiosks at once, each judged as ``submit`` would judge it: the
        gateway gathers the submissions that arrive while the previous group is being
        written, so under load many responses share one call, one version query and one
        transaction (group commit). Each item is ``{"kiosk_token", "response"}``; each
        outcome is the acceptance ``submit`` returns, or the KernelError it would raise."""
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            raise ValidationFailed("survey.group_size",
                                   {"responses": len(items) if isinstance(items, list) else None},
                                   {"max": MAX_BATCH})
        outcomes: list = [None] * len(items)
        parsed = {}
        for i, item in enumerate(items):
            try:
                if not isinstance(item, dict) or set(item) != {"kiosk_token", "response"}:
                    raise ValidationFailed("survey.group_item")
                kiosk_id = kiosks.kiosk_id_of(item["kiosk_token"])
                submission, fingerprint = _parse(kiosk_id, item["response"])
                parsed[i] = (kiosk_id, submission, fingerprint)
            except KernelError as exc:
                outcomes[i] = exc
        kiosk_streams = {kiosks.kiosk_stream(k) for k, _, _ in parsed.values()}
        campaign_streams = {campaigns.stream_name(s.campaign_id) for _, s, _ in parsed.values()}
        response_streams = {responses.stream_name(s.response_id) for _, s, _ in parsed.values()}
        versions = self.store.stream_versions(kiosk_streams | campaign_streams | response_streams)
        originals = {e.stream: e for e in self.store.read_streams(
            {s for s in response_streams if versions.get(s)}, until_version=1, upcast=False)}

        today = self.today()
        admitted, deferred, claimed = [], [], set()
        for i, (kiosk_id, submission, fingerprint) in parsed.items():
            try:
                kiosk = self._current(kiosks.kiosk_stream(kiosk_id), versions, Kiosk,
                                      kiosk_id).authenticate(items[i]["kiosk_token"])
                stream = responses.stream_name(submission.response_id)
                if stream in originals:
                    outcomes[i] = self._replay(originals[stream], submission, kiosk_id)
                    continue
                if submission.code or stream in claimed:
                    # A code's own stream must be redeemed in step, and a second copy of a
                    # response in one group must see the first: both go one by one, after.
                    deferred.append((i, kiosk))
                    continue
                campaign = self._current(campaigns.stream_name(submission.campaign_id),
                                         versions, Campaign, submission.campaign_id)
                answers = self._admit(kiosk, submission, campaign, today)
                admitted.append((i, kiosk, campaign, submission, fingerprint, answers))
                claimed.add(stream)
            except KernelError as exc:
                outcomes[i] = exc
        if admitted:
            sealed = self._seal([(campaign, submission, answers)
                                 for _, _, campaign, submission, _, answers in admitted], today)
            try:
                # The limits count in the transaction that records: a response counts if,
                # and only if, it is stored.
                with self.store.group_transaction() as conn:
                    verdicts = self.limiter.take_each(conn, [
                        _demand(kiosk, campaign) for _, kiosk, campaign, *_ in admitted])
                    appends, accepted = [], []
                    for (i, kiosk, campaign, submission, fingerprint, answers), refusal in zip(
                            admitted, verdicts, strict=True):
                        if refusal is not None:
                            outcomes[i] = refusal
                            continue
                        appends.append((responses.stream_name(submission.response_id), NO_STREAM,
                                        [self._event(kiosk, campaign, submission, fingerprint,
                                                     answers, today, sealed, False)],
                                        responses.private_metadata(kiosk.kiosk_id,
                                                                   kiosk.commune_code)))
                        accepted.append(i)
                    written = self.store.append_many(appends, conn=conn) if appends else []
                for i, [recorded] in zip(accepted, written, strict=True):
                    outcomes[i] = responses.acceptance(recorded, "accepted")
            except (ConcurrencyError, DuplicateEventError):
                # Another replica wrote one of these streams meanwhile, and nothing of the
                # group was written or counted: judge each alone, which tells a replay from
                # a conflict.
                deferred = [(i, kiosk) for i, kiosk, *_ in admitted] + deferred
        for i, kiosk in deferred:
            try:
                outcomes[i] = self._submit_one(kiosk, items[i]["response"])
            except KernelError as exc:
                outcomes[i] = exc
        return outcomes

    def _current(self, stream: str, versions: dict, aggregate, aggregate_id: str):
        cached = self.aggregates.get(stream)
        if cached is None or cached.version != versions.get(stream, 0):
            cached = aggregate.from_events(aggregate_id, self.store.read_stream(stream))
            if cached.version:
                if len(self.aggregates) >= MAX_CACHED_AGGREGATES:
                    self.aggregates.clear()
                self.aggregates[stream] = cached
        return cached

    def _admit(self, kiosk: Kiosk, submission: Submission, campaign: Campaign,
               today: date) -> dict:
        """The answers to store if the campaign takes this response from this kiosk today."""
        campaign.require_exists()
        kiosk.check_commune(campaign.commune_code)
        campaign.check_accepting(today)
        if (submission.questionnaire_id, submission.questionnaire_version) != (
                campaign.questionnaire_id, campaign.questionnaire_version):
            raise ValidationFailed("survey.other_questionnaire", {"expected": {"questionnaire_id": campaign.questionnaire_id,
                              "questionnaire_version": campaign.questionnaire_version}})
        answers = responses.check_answers(self._version_of(campaign), submission.answers)
        if campaign.require_code and not submission.code:
            raise CodeInvalid("survey.code_needed", {"campaign_id": campaign.campaign_id})
        return answers

    def _seal(self, admitted: list[tuple[Campaign, Submission, dict]], today: date) -> dict:
        """The sealed free text of each admitted response that has some, by response id,
        under its campaign's key (made the first time a campaign needs one)."""
        with_text = [(campaign, submission, texts) for campaign, submission, answers in admitted
                     if (texts := {q: v for q, v in answers.items() if isinstance(v, str)})]
        if not with_text:
            return {}
        keys = self.text_keys.for_sealing(
            {campaign.campaign_id for campaign, _, _ in with_text},
            {campaign.campaign_id: campaign.erased_keys for campaign, _, _ in with_text}, today)
        sealed = {}
        for campaign, submission, texts in with_text:
            key_id, key = keys[campaign.campaign_id]
            sealed[submission.response_id] = textkeys.seal(
                key_id, key, campaign.campaign_id, submission.response_id, texts)
        return sealed

    @staticmethod
    def _event(kiosk: Kiosk, campaign: Campaign, submission: Submission, fingerprint: str,
               answers: dict, today: date, sealed: dict, with_code: bool):
        return responses.response_event(
            submission, kiosk_id=kiosk.kiosk_id, commune_code=campaign.commune_code,
            period=campaign.period, answers=answers, fingerprint=fingerprint,
            received_on=today, with_code=with_code,
            sealed_text=sealed.get(submission.response_id))

    def _replay(self, recorded, submission: Submission, kiosk_id: str) -> dict:
        """The original acceptance if ``recorded`` (as stored, not upcast) is this
        submission, else ResponseConflict."""
        if recorded.schema_version < responses.SCHEMA_VERSION:
            return responses.replay(recorded, submission.legacy_fingerprint(kiosk_id))
        return responses.replay(recorded, submission.fingerprint(kiosk_id),
                                lambda stored: self._same_text(stored, submission.texts()))

    def _same_text(self, recorded, texts: dict) -> bool:
        sealed = recorded.data.get("sealed_text")
        if sealed is None:
            return not texts
        key = self.text_keys.find([sealed["key_id"]]).get(sealed["key_id"])
        if key is None:  # erased: the rest matched, and nothing can tell more any more
            return True
        return textkeys.unseal(sealed, key, recorded.data["campaign_id"],
                               recorded.data["response_id"]) == texts

    def _submit_one(self, kiosk: Kiosk, payload: dict) -> dict:
        submission, fingerprint = _parse(kiosk.kiosk_id, payload)
        stream = responses.stream_name(submission.response_id)
        # A replay is answered before anything else is checked: the campaign may have closed
        # since, but the kiosk still needs to hear that its response went through.
        existing = self.store.read_stream(stream, upcast=False)
        if existing:
            return self._replay(existing[0], submission, kiosk.kiosk_id)

        today = self.today()
        campaign = self.campaign(submission.campaign_id)
        answers = self._admit(kiosk, submission, campaign, today)
        code = None
        if submission.code:
            code = SingleUseCode.from_events(
                submission.code, self.store.read_stream(kiosks.code_stream(submission.code)))
            code.check(campaign.campaign_id)
        event = self._event(kiosk, campaign, submission, fingerprint, answers, today,
                            self._seal([(campaign, submission, answers)], today), code is not None)
        metadata = responses.private_metadata(kiosk.kiosk_id, kiosk.commune_code)
        try:
            with self.store.transaction() as conn:
                self.limiter.take(conn, _demand(kiosk, campaign, code))
                [recorded] = self.store.append(stream, NO_STREAM, [event], metadata, conn=conn)
                if code is not None:
                    self.store.append(kiosks.code_stream(submission.code), code.version,
                                      code.redeem(campaign.campaign_id, submission.response_id,
                                                  today), metadata, conn=conn)
        except (ConcurrencyError, DuplicateEventError) as exc:
            # Someone got there first: the same response from a retry, or the same code.
            existing = self.store.read_stream(stream, upcast=False)
            if existing:
                return self._replay(existing[0], submission, kiosk.kiosk_id)
            if isinstance(exc, ConcurrencyError):
                raise CodeUsed("survey.code_just_used", {"campaign_id": campaign.campaign_id}) from None
            raise ResponseConflict("survey.response_id_taken", {"response_id": submission.response_id}) from None
        return responses.acceptance(recorded, "accepted")

    # -- free text ------------------------------------------------------------------------
    def comments(self, campaign_id: str) -> dict:
        """The campaign's counted free-text answers, screened (screening.py) and shown only
        from the same number of responses as its rates, without anything that would tie a
        comment to a response, a kiosk or a day (sorted by question and text)."""
        campaign = self.campaign(campaign_id)
        campaign.require_exists()
        self.catch_up()
        with self.store.reader.connect() as conn:
            total, _, _ = projections.counts(conn, campaign_id)
            with_text = projections.responses_with_text(conn, campaign_id)
        minimum = (campaign.result or {}).get("min_answers", self.min_answers)
        body = {"campaign_id": campaign_id, "responses": total, "with_text": len(with_text),
                "min_answers": minimum, "published": total >= minimum,
                "reason": None, "erased": bool(campaign.erased_through), "unreadable": 0,
                "comments": []}
        if total < minimum:
            body["reason"] = f"Only {total} responses; comments are shown from {minimum}."
            return body
        events = self.store.read_streams([responses.stream_name(r) for r in with_text],
                                         until_version=1)
        keys = self.text_keys.find(
            {e.data["sealed_text"]["key_id"] for e in events if e.data.get("sealed_text")}
            - campaign.erased_keys)
        for event in events:
            texts = _texts_of(event, keys, campaign)
            if texts is None:
                body["unreadable"] += 1
                continue
            for question_id, text in texts.items():
                shown, kinds = screening.redact(text)
                body["comments"].append({"question_id": question_id, "text": shown,
                                         "redacted": kinds})
        body["comments"].sort(key=lambda c: (c["question_id"], c["text"]))
        return body

    def erase_free_text(self, campaign_id: str, reason: str, metadata: Metadata) -> dict:
        """Delete the keys of the campaign's free text: every comment received so far becomes
        unreadable for good, everywhere, while the log, its chain and the counts stay. The
        erasure is recorded first (who, why, which keys), so a deletion is never
        unaccounted for; calling again completes one that stopped in between."""
        campaign = self.campaign(campaign_id)
        key_ids = self.text_keys.of_campaign(campaign_id)
        [recorded] = self.store.append(campaigns.stream_name(campaign_id), campaign.version,
                                       campaign.erase_text(key_ids, reason, self.today()),
                                       metadata)
        doomed = set(key_ids) | campaign.erased_keys
        work = unit_of_work.current(self.store.engine)
        if work is not None:
            # Inside an idempotent write the record commits at the end of the request: the
            # keys go after it, never before (and, with the key store in the survey's own
            # SQLite file, not while this request holds its write lock).
            work.after_commit(lambda: self.text_keys.delete(doomed))
        else:
            self.text_keys.delete(doomed)
        return {"campaign_id": campaign_id, "erased_keys": len(key_ids),
                "reason": recorded.data["reason"], "erased_on": recorded.data["erased_on"],
                "position": recorded.position}


def complete_erasures(store, text_keys: TextKeys, page: int = 500) -> int:
    """Delete every key an erasure recorded in the log still names: one whose process died
    between the record's commit and the deletion. Run when the service starts; returns how
    many keys it deleted."""
    deleted, after = 0, 0
    while True:
        found = store.query(types=[campaigns.TEXT_ERASED], after_position=after, limit=page)
        if not found:
            return deleted
        deleted += text_keys.delete({key for event in found for key in event.data["key_ids"]})
        after = found[-1].position


def _demand(kiosk: Kiosk, campaign: Campaign, code: SingleUseCode | None = None) -> Demand:
    """What one response counts against: its kiosk, its campaign (all the commune's kiosks
    together) and, with a single-use code, the person who issued the code."""
    keys = {KIOSK: ratelimit.key(KIOSK, kiosk.kiosk_id),
            CAMPAIGN: ratelimit.key(CAMPAIGN, campaign.campaign_id)}
    if code is not None and code.issued_by:
        keys[ISSUER] = ratelimit.key(ISSUER, campaign.campaign_id, _person(code.issued_by))
    return Demand(keys)


def _person(subject: str) -> str:
    """A token subject (often an email address) as a counter key: hashed, not copied."""
    return kiosks.sha256(subject)[:32]


def _texts_of(event, keys: dict, campaign: Campaign) -> dict | None:
    """A response's free text (upcast event), or None when it can no longer be read."""
    if event.data.get("legacy_text") is not None:  # kept in clear by an earlier release
        return None if event.position <= campaign.erased_through else event.data["legacy_text"]
    sealed = event.data.get("sealed_text")
    key = keys.get(sealed["key_id"]) if sealed else None
    if key is None:
        return None
    return textkeys.unseal(sealed, key, event.data["campaign_id"], event.data["response_id"])


_RESPONSE_SCHEMA = ResponseSchema()


def _parse(kiosk_id: str, payload) -> tuple[Submission, str]:
    """The submission a kiosk sent, and the fingerprint its replays must match."""
    given = load(_RESPONSE_SCHEMA, payload, "response")
    submission = Submission(
        response_id=str(given["response_id"]), campaign_id=given["campaign_id"],
        questionnaire_id=given["questionnaire_id"],
        questionnaire_version=given["questionnaire_version"], answers=given["answers"],
        code=kiosks.normalise_code(given["code"]) if given["code"] else None)
    return submission, submission.fingerprint(kiosk_id)


def _failure(response_id, result: str, exc: KernelError) -> dict:
    return {"result": result, "response_id": response_id, "error": exc.code,
            "message": exc.message, "details": exc.details}

