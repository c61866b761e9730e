"""One-file backups of the portal: the database and every uploaded file, and their restore.

The archive is a tar file holding ``manifest.json`` (what is inside, with a SHA-256 per
file), the database (``database.dump``: pg_dump's custom format on PostgreSQL;
``database.sqlite3``: a copy made with SQLite's online backup API) and ``media/``, a copy of
MEDIA_ROOT. The database is dumped first and the files copied after, so every photo the
dump refers to is in the archive (unless deleted in between). Restore checks the whole
archive before it changes anything.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILE = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    command = [program, "--no-owner", "--no-privileges"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            command += [flag, str(params[key])]
    environment = dict(os.environ)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = params["PASSWORD"]
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if params.get("OPTIONS", {}).get(option):
            environment[variable] = params["OPTIONS"][option]
    return command, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_database(target: Path) -> None:
    if connection.vendor == "postgresql":
        command, environment = _pg_command("pg_dump")
        _run(
            [*command, "--format=custom", "--file", str(target), connection.settings_dict["NAME"]],
            environment,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # a consistent snapshot while the portal runs
        finally:
            copy.close()
    else:
        raise BackupError(f"No backup for the {connection.vendor} database.")


def _load_database(source: Path) -> None:
    if connection.vendor == "postgresql":
        connection.close()  # pg_restore drops and recreates the tables this connection may hold
        command, environment = _pg_command("pg_restore")
        _run(
            [
                *command,
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                connection.settings_dict["NAME"],
                str(source),
            ],
            environment,
        )
    else:
        copy = sqlite3.connect(source)
        try:
            connection.ensure_connection()
            copy.backup(connection.connection)
        finally:
            copy.close()


def media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def create_backup(output: Path) -> dict:
    """Write the archive to ``output`` (atomically: a half-written backup is never left there)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        database = Path(work) / DATABASE_FILE.get(connection.vendor, "database")
        _dump_database(database)
        files = {
            f"media/{path.relative_to(media_root).as_posix()}": sha256_of(path)
            for path in media_files(media_root)
        }
        manifest = {
            "format": FORMAT,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "vendor": connection.vendor,
            "database": {"name": database.name, "sha256": sha256_of(database)},
            "files": files,
        }
        partial = Path(work) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(database, database.name)
            for name in files:
                archive.add(media_root / name.removeprefix("media/"), name)
        partial.chmod(0o600)  # the database holds staff accounts and internal notes
        os.replace(partial, output)
    return manifest


def _read_archive(path: Path, into: Path) -> dict:
    try:
        with tarfile.open(path, "r") as archive:
            manifest = json.load(archive.extractfile(MANIFEST))
            archive.extractall(into, filter="data")  # refuses absolute paths, links out, devices
    except (OSError, KeyError, ValueError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a readable portal backup ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: backup format {manifest.get('format')!r} is not {FORMAT}.")
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"{path} holds a {manifest['vendor']} database; this portal runs on {connection.vendor}."
        )
    expected = {manifest["database"]["name"]: manifest["database"]["sha256"], **manifest["files"]}
    for name, checksum in expected.items():
        if not (into / name).is_file() or sha256_of(into / name) != checksum:
            raise BackupError(f"{path}: {name} is missing or damaged; nothing was restored.")
    return manifest


def restore_backup(path: Path) -> dict:
    """Replace the database and MEDIA_ROOT with the archive's, after checking all of it."""
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as work:
        work = Path(work)
        manifest = _read_archive(path, work)
        _load_database(work / manifest["database"]["name"])
        # Empty MEDIA_ROOT in place (it may be a mount point) and move the backup's files in.
        for child in media_root.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        if (work / "media").is_dir():
            for child in (work / "media").iterdir():
                shutil.move(child, media_root / child.name)
    return manifest
