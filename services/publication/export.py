"""The export bundle of a province's year: everything needed to check the published scores
without trusting the platform (see ``recompute.py``)."""

from __future__ import annotations

from sqlalchemy import select

from kernel import clock
from kernel.errors import NotFound
from services.publication import scores
from services.publication.record import (
    _load_state,
    commune_years,
    criteria_sets,
    stream_messages,
)

FORMAT = "tcpl-publication-export/1"
# Citizens' comments (and their authors) take no part in any score; the board shows their
# text, but the public bundle carries only a stub of their events (position, id, stream,
# version, type, hash), so that recompute can still account for every version and link.
OMITTED_TYPES = ("CommentRecorded", "CommentAnswered")
STUB_FIELDS = ("source", "position", "id", "stream", "version", "type", "prev_hash", "hash")


def export_bundle(engine, province_code: str, year: int) -> dict:
    year = int(year)
    with engine.connect() as conn:
        rows = list(conn.execute(select(commune_years).where(
            commune_years.c.public.is_(True), commune_years.c.province_code == province_code,
            commune_years.c.year == year).order_by(commune_years.c.commune_code)))
        if not rows:
            raise NotFound(f"Nothing has been published for province {province_code} in {year}.",
                           {"province_code": province_code, "year": year})
        sets = criteria_sets(conn)
        events, omitted, results, used = [], [], [], {}
        for row in rows:
            for event in stream_messages(conn, row.stream):
                if event["type"] in OMITTED_TYPES:
                    omitted.append({name: event[name] for name in STUB_FIELDS})
                else:
                    events.append(event)
            criteria_set = sets.get((row.criteria_set_id, row.criteria_set_version))
            if criteria_set is None:
                continue
            used[criteria_set.key] = criteria_set
            results += scores.published_results(_load_state(row.state_json), criteria_set)
    events.sort(key=lambda e: (e["source"], e["position"]))
    return {"format": FORMAT, "province_code": province_code, "year": year,
            "exported_at": clock.now().isoformat(timespec="seconds"),
            "criteria_sets": [used[key].to_dict() for key in sorted(used)],
            "omitted_event_types": list(OMITTED_TYPES), "omitted": omitted,
            "events": events, "results": results}
