"""A projection for tests: one row per applied event, deliberately without a unique key,
so that applying an event twice would show up as a duplicate row."""

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

metadata = MetaData()
tally = Table(
    "tally", metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("stream", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    sqlite_autoincrement=True,  # row ids never reused: a rebuilt row is visibly new
)


class TallyProjection:
    def __init__(self, name="tally", sources=("test",), fail_on=None):
        self.name = name
        self.sources = list(sources)
        self.fail_on = fail_on or (lambda event: False)

    def handles(self, event):
        return event.type == "Counted"

    def apply(self, conn, event):
        if self.fail_on(event):
            raise ValueError(f"cannot apply {event.stream} v{event.version}")
        conn.execute(insert(tally).values(event_id=event.id, stream=event.stream,
                                          version=event.version, position=event.position))

    def reset(self, conn):
        conn.execute(delete(tally))

    def migrate(self, engine):
        create_tables(engine)


def create_tables(engine):
    metadata.create_all(engine)


def rows(engine):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(tally.c.stream, tally.c.version).order_by(tally.c.row_id))]


def duplicates(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(tally.c.event_id, func.count()).group_by(tally.c.event_id)
            .having(func.count() > 1)).all()


class BulkTallyProjection(TallyProjection):
    """The same rows, written by ``apply_many``: one insert per batch."""

    def apply_many(self, conn, events):
        for event in events:
            if self.fail_on(event):
                raise ValueError(f"cannot apply {event.stream} v{event.version}")
        conn.execute(insert(tally), [{"event_id": e.id, "stream": e.stream,
                                      "version": e.version, "position": e.position}
                                     for e in events])
