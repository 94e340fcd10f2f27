"""The store's tables, their ordered migrations, and the metadata kept per series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from riskcurve._typing import CalendarName, SeriesKind
from riskcurve.data.symbols import SymbolSpec

Origin = Literal["catalogue", "import", "provider"]


@dataclass(frozen=True)
class SeriesMeta:
    """What the store records about a series besides its rows.

    Attributes
    ----------
    symbol, kind, unit, description, calendar
        As in :class:`~riskcurve.data.symbols.SymbolSpec`.
    release
        Release-rule name for value series (``None``: end of the observation day).
    lag_days
        Extra days added after the release rule (user imports published late).
    origin
        ``"catalogue"`` for riskcurve's own symbols, ``"import"`` for user CSVs, ``"provider"``
        for other series a provider served (a FRED id outside the catalogue, an extra snapshot file).
    """

    symbol: str
    kind: SeriesKind
    unit: str = ""
    description: str = ""
    calendar: CalendarName = "business"
    release: str | None = None
    lag_days: int = 0
    origin: Origin = "catalogue"

    @classmethod
    def from_spec(cls, spec: SymbolSpec) -> SeriesMeta:
        """Metadata of a catalogue symbol."""
        return cls(spec.name, spec.kind, spec.unit, spec.description, spec.calendar, spec.release)


#: Ordered migrations: (version, description, statements). Never edit a released one; append.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "series, prices, observations and the update log",
        (
            """
            CREATE TABLE series (
                symbol       VARCHAR PRIMARY KEY,
                kind         VARCHAR NOT NULL CHECK (kind IN ('price', 'value')),
                unit         VARCHAR NOT NULL,
                description  VARCHAR NOT NULL,
                calendar     VARCHAR NOT NULL,
                release_rule VARCHAR,
                lag_days     INTEGER NOT NULL DEFAULT 0,
                origin       VARCHAR NOT NULL,
                created_at   TIMESTAMP NOT NULL
            )
            """,
            """
            CREATE TABLE prices (
                symbol     VARCHAR NOT NULL,
                date       DATE NOT NULL,
                open       DOUBLE,
                high       DOUBLE,
                low        DOUBLE,
                close      DOUBLE NOT NULL CHECK (close > 0),
                volume     DOUBLE,
                provider   VARCHAR NOT NULL,
                fetched_at TIMESTAMP NOT NULL,
                PRIMARY KEY (symbol, date)
            )
            """,
            # One row per (date, instant it became known): a revision is a new row, never an
            # overwrite, so any past as-of view can be rebuilt exactly.
            """
            CREATE TABLE observations (
                symbol       VARCHAR NOT NULL,
                date         DATE NOT NULL,
                value        DOUBLE NOT NULL,
                available_at TIMESTAMP NOT NULL,
                provider     VARCHAR NOT NULL,
                fetched_at   TIMESTAMP NOT NULL,
                PRIMARY KEY (symbol, date, available_at)
            )
            """,
            """
            CREATE TABLE updates (
                symbol       VARCHAR NOT NULL,
                provider     VARCHAR NOT NULL,
                source       VARCHAR NOT NULL,
                fetched_at   TIMESTAMP NOT NULL,
                written_at   TIMESTAMP NOT NULL,
                rows_new     INTEGER NOT NULL,
                rows_revised INTEGER NOT NULL,
                first_date   DATE,
                last_date    DATE
            )
            """,
        ),
    ),
    (
        2,
        "watch state and the alert outbox",
        (
            # What `riskcurve watch` last saw, one JSON document per watch (key "regime").
            """
            CREATE TABLE watch_state (
                key        VARCHAR PRIMARY KEY,
                value      JSON NOT NULL,
                as_of      DATE NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )
            """,
            "CREATE SEQUENCE alert_outbox_id START 1",
            # Outbox: an alert is written in the same transaction as the state change that
            # caused it, and delivered afterwards, so neither a crash nor a failed
            # notification loses it.
            """
            CREATE TABLE alert_outbox (
                id           BIGINT PRIMARY KEY DEFAULT nextval('alert_outbox_id'),
                created_at   TIMESTAMP NOT NULL,
                as_of        DATE NOT NULL,
                kind         VARCHAR NOT NULL,
                key          VARCHAR NOT NULL,
                title        VARCHAR NOT NULL,
                body         VARCHAR NOT NULL,
                status       VARCHAR NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'delivered', 'failed')),
                delivered_at TIMESTAMP,
                attempts     INTEGER NOT NULL DEFAULT 0,
                last_error   VARCHAR
            )
            """,
            # Which notification targets already have an alert, so a retry after a partial
            # failure does not send it twice to the targets that got it. `target` is a hash of
            # the apprise URL, never the URL itself (it may hold a token).
            """
            CREATE TABLE alert_deliveries (
                alert_id     BIGINT NOT NULL,
                target       VARCHAR NOT NULL,
                delivered_at TIMESTAMP NOT NULL,
                PRIMARY KEY (alert_id, target)
            )
            """,
        ),
    ),
)

MIGRATIONS += (
    (
        3,
        "price revisions: every stored bar a later write replaced",
        (
            # A source that changes a historical bar is either correcting itself or broken: the
            # store follows it, and keeps the bar it replaced so the change is never silent.
            """
            CREATE TABLE price_revisions (
                symbol       VARCHAR NOT NULL,
                date         DATE NOT NULL,
                open         DOUBLE,
                high         DOUBLE,
                low          DOUBLE,
                close        DOUBLE NOT NULL,
                volume       DOUBLE,
                provider     VARCHAR NOT NULL,
                fetched_at   TIMESTAMP NOT NULL,
                new_close    DOUBLE NOT NULL,
                new_provider VARCHAR NOT NULL,
                replaced_at  TIMESTAMP NOT NULL,
                note         VARCHAR NOT NULL
            )
            """,
        ),
    ),
)

MIGRATIONS += (
    (
        4,
        "the monitor's history: a digest per day and the probabilities it gave",
        (
            # One row per back-filled day (riskcurve.monitor.history): the digest as computed
            # from what was known that day, stamped with the code and the data it came from.
            """
            CREATE TABLE digest_history (
                as_of            DATE PRIMARY KEY,
                stage_low        INTEGER,
                stage_high       INTEGER,
                states           JSON NOT NULL,
                verdict          VARCHAR,
                digest           JSON NOT NULL,
                code_version     VARCHAR NOT NULL,
                data_fingerprint VARCHAR NOT NULL,
                computed_at      TIMESTAMP NOT NULL
            )
            """,
            # Each next-link probability of those digests, scored once its horizon has closed.
            """
            CREATE TABLE digest_forecasts (
                as_of       DATE NOT NULL,
                link        VARCHAR NOT NULL,
                horizon     INTEGER NOT NULL,
                stage       INTEGER,
                episodes    INTEGER NOT NULL,
                probability DOUBLE,
                raw         DOUBLE,
                base_rate   DOUBLE,
                low         DOUBLE,
                high        DOUBLE,
                PRIMARY KEY (as_of, link, horizon)
            )
            """,
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]
