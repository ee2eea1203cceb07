"""The accounts directory: one row per account, as its events leave it, for lists, searches and
for the gateway to know whom a session or a token stands for.

It follows the service's own log (kernel/follower.py): applied in the transaction of each
append, so a change of role or a disabling is in the directory when its command commits.
Readers call ``follow()`` first (the application does): should the directory ever lag (a
projection error), authentication catches it up or fails, never reading an old role.
Rebuildable from the log like any read model.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from kernel.db import is_postgres
from kernel.events import RecordedEvent
from reference.text import fold
from services.accounts import accounts as domain
from services.accounts import signins
from services.accounts.jurisdictions import DELEGABLE_ROLES

metadata = MetaData()
directory = Table(
    "accounts_directory", metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("role", String(32), nullable=False),
    Column("province", String(2)),
    Column("district", String(3)),
    Column("commune", String(5)),
    Column("agency", String(80)),
    Column("disabled", Boolean, nullable=False),
    Column("disabled_reason", String(500)),
    Column("created_at", String(40), nullable=False),
    Column("changed_at", String(40), nullable=False),
    Column("last_sign_in_at", String(40)),
    Column("version", Integer, nullable=False),
    # username and name without diacritics, lower case: what searches compare against
    Column("search", String(200), nullable=False),
)
LEVELS = ("province", "district", "commune")


def _search_text(username: str, display_name: str) -> str:
    return f"{username} {fold(display_name)}"[:200]


class AccountsDirectory:
    name = "accounts_directory"
    sources = ["accounts"]

    def handles(self, event: RecordedEvent) -> bool:
        return event.type in domain.ACCOUNT_TYPES or event.type == signins.SIGNED_IN

    def migrate(self, engine) -> None:
        metadata.create_all(engine)

    def reset(self, conn) -> None:
        conn.execute(delete(directory))

    def apply(self, conn, event: RecordedEvent) -> None:
        if event.type == domain.ACCOUNT_CREATED:
            conn.execute(insert(directory).values(**_created(event)))
        else:
            conn.execute(update(directory).where(directory.c.username == event.data["username"])
                         .values(**_changed(event)))

    def apply_many(self, conn, events) -> None:
        """The batch folded per account in memory, each row read once and written once: what
        ``apply`` one event at a time leaves (a change to an account that has no row changes
        nothing; creating one that has a row fails)."""
        names = sorted({e.data["username"] for e in events})
        stored = {}
        for start in range(0, len(names), 500):
            stored.update((row.username, row._asdict()) for row in conn.execute(
                select(directory).where(directory.c.username.in_(names[start:start + 500]))))
        fresh, moved = {}, set()
        for event in events:
            username = event.data["username"]
            if event.type == domain.ACCOUNT_CREATED:
                if username in fresh or username in stored:
                    conn.execute(insert(directory).values(**_created(event)))  # refused
                fresh[username] = _created(event)
            elif username in fresh:
                fresh[username].update(_changed(event))
            elif username in stored:
                stored[username].update(_changed(event))
                moved.add(username)
        if fresh:
            conn.execute(insert(directory), list(fresh.values()))
        if moved:
            conn.execute(_UPDATE_ROW, [{f"b_{k}": v for k, v in stored[name].items()}
                                       for name in sorted(moved)])


def _created(event: RecordedEvent) -> dict:
    data, at = event.data, (event.metadata or {}).get("recorded_at")
    return {"username": data["username"], "display_name": data["display_name"],
            "role": data["role"], **{level: data["jurisdiction"].get(level) for level in LEVELS},
            "agency": data["agency"], "disabled": False, "disabled_reason": None,
            "created_at": at, "changed_at": at, "last_sign_in_at": None,
            "version": event.version, "search": _search_text(data["username"], data["display_name"])}


def _changed(event: RecordedEvent) -> dict:
    """The columns an event other than the creation sets."""
    data, at = event.data, (event.metadata or {}).get("recorded_at")
    if event.type == signins.SIGNED_IN:
        return {"last_sign_in_at": at}
    values = {"version": event.version, "changed_at": at}
    if event.type == domain.ACCOUNT_CHANGED:
        after = data["after"]
        for name in ("display_name", "role", "agency"):
            if name in after:
                values[name] = after[name]
        if "jurisdiction" in after:
            values.update({level: after["jurisdiction"].get(level) for level in LEVELS})
        if "display_name" in after:
            values["search"] = _search_text(data["username"], after["display_name"])
    elif event.type == domain.ACCOUNT_DISABLED:
        values.update(disabled=True, disabled_reason=data["reason"])
    elif event.type == domain.ACCOUNT_ENABLED:
        values.update(disabled=False, disabled_reason=None)
    return values


_UPDATE_ROW = update(directory).where(directory.c.username == bindparam("b_username")).values(
    {column.name: bindparam(f"b_{column.name}") for column in directory.columns
     if column.name != "username"})


# -- reading ---------------------------------------------------------------------------------
def entry(conn, username: str):
    return conn.execute(select(directory).where(directory.c.username == username)).first()


def view(row) -> dict:
    return {"username": row.username, "display_name": row.display_name, "role": row.role,
            "jurisdiction": {level: getattr(row, level) for level in LEVELS},
            "agency": row.agency, "state": "disabled" if row.disabled else "active",
            "disabled_reason": row.disabled_reason, "created_at": row.created_at,
            "changed_at": row.changed_at, "last_sign_in_at": row.last_sign_in_at,
            "version": row.version}


def principal(row) -> dict:
    return {"sub": row.username, "role": row.role,
            "jurisdiction": {level: getattr(row, level) for level in LEVELS},
            "name": row.display_name, "agency": row.agency}


def search(conn, *, query: str | None = None, role: str | None = None,
           province: str | None = None, state: str | None = None,
           within_province: str | None = None, limit: int = 50, offset: int = 0
           ) -> tuple[list, int]:
    """Rows matching every filter given, by username, and how many match in all.
    ``within_province``: only the accounts a province's justice department administers
    (its province's district- and commune-level accounts)."""
    conditions = []
    if query:
        words = fold(query).split()
        like = "ilike" if is_postgres(conn) else "like"  # SQLite's LIKE ignores ASCII case
        conditions += [getattr(directory.c.search, like)(f"%{_escaped(word)}%", escape="\\")
                       for word in words[:5]]
    if role:
        conditions.append(directory.c.role == role)
    if province:
        conditions.append(directory.c.province == province)
    if state in ("active", "disabled"):
        conditions.append(directory.c.disabled.is_(state == "disabled"))
    if within_province is not None:
        conditions += [directory.c.province == within_province,
                       directory.c.role.in_(sorted(DELEGABLE_ROLES)),
                       or_(directory.c.district.is_not(None), directory.c.commune.is_not(None))]
    where = and_(True, *conditions)
    total = conn.execute(select(func.count()).select_from(directory).where(where)).scalar_one()
    rows = list(conn.execute(select(directory).where(where).order_by(directory.c.username)
                             .limit(limit).offset(offset)))
    return rows, total


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
