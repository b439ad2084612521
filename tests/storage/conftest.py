"""Storage fixtures: every store test runs against SQLite and against a throwaway
PostgreSQL cluster that this session starts on loopback.

The cluster: ``initdb`` (trust authentication, user ``communique``, UTF-8, C.UTF-8 locale)
in a temporary folder, ``pg_ctl start`` listening on 127.0.0.1 and a free port with fsync
off, one fresh database per test (copied from a template that is already migrated, which
is quicker than migrating each), and ``pg_ctl stop`` at the end of the session, also when
tests fail. A database whose test is over is emptied (``TRUNCATE``, counters restarted) and
handed to the next test, which is four times quicker than copying the template again; one
whose schema the test changed is not reused. initdb refuses to run as root, so as root the binaries run as the Debian
``postgres`` user (``runuser``) in a folder that user owns.

Without PostgreSQL binaries (``initdb`` and ``pg_ctl`` in PATH or
``/usr/lib/postgresql/*/bin``) the PostgreSQL variants skip with the reason; ``.ci/run``
installs them so CI runs both.

A test runs on both stores when it uses the ``db`` fixture (a SQLite path or a PostgreSQL
URL of an empty store), directly or through a ``store`` fixture. ``@pytest.mark.sqlite_only``
keeps a test on SQLite when what it checks only exists there (a file, WAL, FTS5, SQLite's
query plans).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest

BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test checks something only the SQLite store has"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", ["sqlite"] if only else list(BACKENDS), indirect=True)


def pg_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH first, then the newest Debian version."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster in a temporary folder, for one test session."""

    USER = "communique"
    TEMPLATE = "communique_template"

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="communique-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0
        self.running = False
        self._names = count(1)
        self.pool: list[str] = []  # emptied databases, ready for another test
        self.tables: list[str] = []
        self.migrations: list[str] = []
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        r = self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", self.USER, "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        if r.returncode:
            raise RuntimeError(f"initdb failed:\n{r.stdout}\n{r.stderr}")
        for _attempt in range(3):
            self.port = _free_port()
            opts = (
                f"-k {self.dir} -h 127.0.0.1 -p {self.port} -F -c synchronous_commit=off"
                " -c full_page_writes=off -c max_connections=60"
            )
            r = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", opts, "start")
            if r.returncode == 0:
                self.running = True
                break
        else:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{r.stdout}\n{r.stderr}\n{tail}")
        self.admin(f"CREATE DATABASE {self.TEMPLATE}")
        from communique.storage.postgres import PgStore

        PgStore(self.url(self.TEMPLATE)).close()  # migrated once; tests copy it
        self.tables, self.migrations = self._schema(self.url(self.TEMPLATE))

    @staticmethod
    def _schema(url: str) -> tuple[list[str], list[str]]:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )]  # fmt: skip
            names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]
        return tables, names

    def url(self, name: str) -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{name}"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self, migrated: bool = True) -> str:
        """The URL of a fresh database: an empty store (migrated) or an empty database."""
        if migrated and self.pool:
            return self.pool.pop()
        name = f"t{next(self._names)}"
        template = self.TEMPLATE if migrated else "template0"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return self.url(name)

    def recycle(self, url: str) -> None:
        """Empty a migrated store after its test and put it in the pool, unless the test
        changed its schema or left a transaction holding locks."""
        import psycopg

        try:
            if self._schema(url) != (self.tables, self.migrations):
                return
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET lock_timeout = '3s'")
                conn.execute("SET session_replication_role = replica")  # the review log's triggers
                data = [t for t in self.tables if t != "migrations"]
                conn.execute(f"TRUNCATE {', '.join(data)} RESTART IDENTITY")
                for (seq,) in conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                ).fetchall():
                    conn.execute(f"ALTER SEQUENCE {seq} RESTART")
        except psycopg.Error:
            return
        self.pool.append(url)

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster(request: pytest.FixtureRequest) -> Cluster:
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL store tests need initdb and pg_ctl (PATH or /usr/lib/postgresql/*/bin); "
            "install the Debian postgresql package to run them"
        )
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run initdb as")
    cluster = Cluster(bindir)
    request.addfinalizer(cluster.stop)
    cluster.start()
    return cluster


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where an empty store lives: a SQLite file path, or a PostgreSQL URL."""
    if backend == "sqlite":
        yield str(tmp_path / "corpus.db")
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    yield url
    cluster.recycle(url)


@pytest.fixture
def pg_db(pg_cluster: Cluster) -> Iterator[str]:
    """The URL of an empty, migrated PostgreSQL store (PostgreSQL-only tests)."""
    url = pg_cluster.new_database()
    yield url
    pg_cluster.recycle(url)


@pytest.fixture
def sql() -> Callable[..., list[tuple]]:
    """``sql(db, statement, params=())``: run one statement on either kind of store
    (``?`` placeholders) and return its rows, for checks below the store's API."""

    def run(db: str, statement: str, params: tuple | list = ()) -> list[tuple]:
        if db.startswith(("postgresql://", "postgres://")):
            import psycopg

            with psycopg.connect(db, autocommit=True) as conn:
                cur = conn.execute(statement.replace("?", "%s"), params or None)
                return list(cur.fetchall()) if cur.description else []
        conn = sqlite3.connect(db)
        try:
            with conn:
                return list(conn.execute(statement, params).fetchall())
        finally:
            conn.close()

    return run
