"""Export batches (what went to the district, and to whom), results imports, the
district API's throttle, and the indexes that make the figures and the pending list
covering scans."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.core.db import utcnow
from desa.extensions import db
from desa.residents.models import Resident
from desa.residents.rules import not_recorded_clause

FORMATS = ("xlsx", "csv")


class ExportBatch(db.Model):
    """One pending-recording file written for the district, kept to download again."""

    __tablename__ = "export_batches"
    __table_args__ = (
        CheckConstraint("format IN ('xlsx', 'csv')", name="format_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(4))
    rows: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    # Relative to the instance folder (`exports/00012-….xlsx`).
    file_path: Mapped[str] = mapped_column(String(400), default="")
    village_code: Mapped[str] = mapped_column(String(13))
    as_of: Mapped[dt.date] = mapped_column(Date)
    only_new: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    items: Mapped[list[ExportBatchItem]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def file_name(self) -> str:
        """The name the file is downloaded under."""
        return self.file_path.rsplit("/", 1)[-1]


class ExportBatchItem(db.Model):
    """A resident carried in a batch: "only new" leaves out everyone already sent."""

    __tablename__ = "export_batch_items"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("export_batches.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    batch: Mapped[ExportBatch] = relationship(back_populates="items")


class ResultsImport(db.Model):
    """One results file (or API call) from the district, with its counts."""

    __tablename__ = "recording_results_imports"
    __table_args__ = (
        CheckConstraint("source IN ('file', 'api')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(4))
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    matched: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class RecordingApiThrottle(db.Model):
    """Calls per principal to the recording API in the current window (all workers)."""

    __tablename__ = "recording_api_throttles"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    window_started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    hits: Mapped[int] = mapped_column(default=0)


# The figures count active citizens per RT and status: with every column they read
# in one index, the RW and RT right after the two equality columns, one RT's figures
# are a short index range and the village's a single pass in GROUP BY order; the
# table itself is never read.
FIGURES_INDEX = Index(
    "ix_residents_figures",
    Resident.life_status,
    Resident.citizenship,
    Resident.rw,
    Resident.rt,
    Resident.dusun,
    Resident.ektp_status,
    Resident.birth_date,
    Resident.marital_status,
)

# The pending list (pending.pending_select) in one ordered pass: only the residents
# not recorded yet (the part of the rule that does not depend on the day), in export
# order, each entry carrying the wajib check's columns and every exported one, so
# neither a sort nor a read of the table is needed. It leads with the two columns
# its WHERE fixes: SQLite, without statistics (nothing runs ANALYZE), prefers the
# index that matches most of the query's equalities, which would otherwise be
# ix_residents_figures; and it counts an index as covering only when it holds every
# column the query names, constant or not.
PENDING_INDEX = Index(
    "ix_residents_pending",
    Resident.life_status,
    Resident.citizenship,
    Resident.rw,
    Resident.rt,
    Resident.name_key,
    Resident.id,
    Resident.birth_date,
    Resident.marital_status,
    Resident.nik,
    Resident.kk,
    Resident.name,
    Resident.sex,
    Resident.birth_place,
    Resident.address,
    Resident.dusun,
    Resident.ektp_status,
    sqlite_where=not_recorded_clause(),
    postgresql_where=not_recorded_clause(),
)

# Residents by birth date first: the figures read only the boundary birth year from
# the register (see ResidentTally), a short range of this index.
BIRTH_INDEX = Index(
    "ix_residents_birth",
    Resident.birth_date,
    Resident.life_status,
    Resident.citizenship,
    Resident.marital_status,
    Resident.rw,
    Resident.rt,
    Resident.dusun,
    Resident.ektp_status,
)

# Sentinels for unknown values in a tally key (which must not be NULL).
UNKNOWN_TEXT = ""
UNKNOWN_STATUS = -1
UNKNOWN_YEAR = 9999


class ResidentTally(db.Model):
    """How many residents share the values the figures group on (migration 0012).

    Kept by database triggers in the transaction of every write to `residents`:
    the app never writes here. `married` is 1 for married or ever married (wajib
    KTP whatever the age), `birth_year` UNKNOWN_YEAR when the date is not known.
    """

    __tablename__ = "resident_tallies"

    life_status: Mapped[str] = mapped_column(String(10), primary_key=True)
    citizenship: Mapped[str] = mapped_column(String(3), primary_key=True)
    dusun: Mapped[str] = mapped_column(String(60), primary_key=True)
    rw: Mapped[str] = mapped_column(String(3), primary_key=True)
    rt: Mapped[str] = mapped_column(String(3), primary_key=True)
    ektp_status: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    married: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    birth_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int]
