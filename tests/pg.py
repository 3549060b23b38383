"""A real PostgreSQL server for the tests (issue 18), started by the test run itself.

``start()`` runs Debian's ``initdb`` into a temporary folder and ``pg_ctl start`` with its socket in
that folder (no TCP port, so parallel runs cannot collide). As root the server runs as the
unprivileged user ``nobody`` (PostgreSQL refuses to run as root). Two roles are made: the superuser
``tz_admin`` (trusted on the socket, for the tests' own set-up) and ``tz_pw``, who must give a
password (scram-sha-256), for the wrong-password and read-only tests.

When no server can start, the PostgreSQL tests are skipped with the reason, and the run's summary
says the server run was skipped; with ``TAIZHANG_REQUIRE_POSTGRES=1`` (CI) they fail instead.
``TAIZHANG_PG_BIN`` names the folder of ``initdb`` and ``pg_ctl`` when they are elsewhere.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ADMIN = "tz_admin"
PASSWORD_USER, PASSWORD = "tz_pw", "s3cret-口令"
REQUIRE_ENV = "TAIZHANG_REQUIRE_POSTGRES"
_counter = itertools.count(1)


class Unavailable(Exception):
    """No server could be started here; the message says why."""


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") == "1"


def _bin_dir() -> Path:
    chosen = os.environ.get("TAIZHANG_PG_BIN", "").strip()  # another installation's bin folder
    if chosen:
        if not (Path(chosen) / "initdb").is_file():
            raise Unavailable(f"TAIZHANG_PG_BIN={chosen} 中没有 initdb")
        return Path(chosen)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if not candidates:
        raise Unavailable("没有找到 PostgreSQL 的 initdb（Debian: apt-get install postgresql）")
    return Path(candidates[-1]).parent


@dataclass
class Server:
    folder: Path
    bin: Path
    as_user: list[str]
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, dbname: str = "postgres", user: str = ADMIN, password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{quote(password, safe='')}"
        return f"postgresql://{auth}@/{dbname}?host={quote(self.socket_dir, safe='/')}"

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple]:
        """Run one statement as the superuser (autocommit) and return its rows, if any."""
        import psycopg

        if dbname != "postgres":
            with psycopg.connect(host=self.socket_dir, user=ADMIN, dbname=dbname, autocommit=True) as conn:
                cur = conn.execute(statement)
                return cur.fetchall() if cur.description else []
        # the maintenance database: one connection kept for the process's life (every test makes its
        # databases through it); never in a test's own database, which a test may want to itself
        held = self.__dict__.get("_admin")
        if held is None or held[0] != os.getpid() or held[1].broken or held[1].closed:
            held = self.__dict__["_admin"] = (os.getpid(), psycopg.connect(
                host=self.socket_dir, user=ADMIN, dbname=dbname, autocommit=True))
        cur = held[1].execute(statement)
        return cur.fetchall() if cur.description else []

    def new_database(self, prefix: str = "ledger") -> str:
        """A new empty database (owned by ``tz_admin``, usable by ``tz_pw``); its name."""
        name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        self.sql(f'CREATE DATABASE "{name}"')
        self.sql(f'GRANT ALL ON DATABASE "{name}" TO {PASSWORD_USER}')
        self.sql(f"GRANT ALL ON SCHEMA public TO {PASSWORD_USER}", dbname=name)
        return name

    def new_ledger(self, like: Path | None = None) -> str:
        """A new database that already holds a taizhang ledger (copied from a template made once per
        run, far quicker than making the schema per test); its URL. Empty, or with ``like`` (a
        ledger file) the whole of that file's ledger, copied onto the template once by ``taizhang
        copy``'s code."""
        templates: dict[object, str] = self.__dict__.setdefault("_templates", {})
        if None not in templates:
            from models.server import open_ledger

            name = self.new_database("template")
            open_ledger(self.url(name)).dispose()
            templates[None] = name
        key = None if like is None else str(like)
        if key not in templates:
            from models.ledger_copy import copy_ledger

            name = self._from_template(templates[None], "template")
            copy_ledger(key, self.url(name))
            templates[key] = name
        return self.url(self._from_template(templates[key], "ledger"))

    def _from_template(self, template: str, prefix: str) -> str:
        name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.sql(f'GRANT ALL ON DATABASE "{name}" TO {PASSWORD_USER}')
        return name

    def stop(self) -> None:
        held = self.__dict__.pop("_admin", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60)
        # A run leaves some hundred databases of some hundred files each: removing them took a worker's
        # last test 1–2 minutes on a busy machine. The server is stopped; ``rm -rf`` removes its folder
        # beside what comes next instead of at the end of the run.
        # (``sh`` returns at once, leaving ``rm`` to run on its own.)
        try:
            subprocess.run(["sh", "-c", 'rm -rf -- "$1" &', "sh", str(self.folder)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, timeout=60,
                           check=True)
        except (OSError, subprocess.SubprocessError):
            shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Server:
    """Start a throw-away server; ``Unavailable`` when it cannot be done here."""
    bin_dir = _bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="taizhang-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        runuser = shutil.which("runuser")
        if not runuser:
            raise Unavailable("以 root 运行，但没有 runuser，无法以普通用户启动 PostgreSQL")
        as_user = [runuser, "-u", "nobody", "--"]
        shutil.chown(folder, user="nobody")
    server = Server(folder, bin_dir, as_user)
    data = folder / "data"
    try:
        _run(server, [str(bin_dir / "initdb"), "-D", str(data), "-U", ADMIN, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync"], "initdb")
        hba = data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_USER} scram-sha-256\nlocal all all trust\n", encoding="utf-8")
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        _run(server, [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(server.log), "-w",
                      "-t", "120", "start"], "pg_ctl start")
        server.sql(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD.replace(chr(39), chr(39) * 2)}'")
    except BaseException:
        server.stop()
        raise
    return server


def _run(server: Server, command: list[str], what: str) -> None:
    try:
        done = subprocess.run([*server.as_user, *command], capture_output=True, text=True, timeout=180,
                              cwd=server.folder)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{what} 无法运行：{exc}") from None
    if done.returncode != 0:
        log = server.log.read_text(errors="replace")[-800:] if server.log.exists() else ""
        raise Unavailable(f"{what} 失败（退出码 {done.returncode}）：{(done.stderr or done.stdout).strip()[-800:]} {log}")
