"""Making a backup file and restoring one: checksummed parts, a manifest, an audit entry."""
import hashlib
import json
import os
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade

from audit.anchor import anchor_head
from audit.service import record
from backup.snapshot import dump_table, load_table, reset_sequences, schema_revision, snapshot
from core import crypto
from core.config import INSTANCE_SECRETS, update_instance_secrets
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from passtokens.models import SigningKey

FORMAT = "logistics-pass-backup/1"
MANIFEST = "manifest.json"
SECRETS = "secrets.json"
# Seeded by init-db: a database holding only these still counts as empty.
REFERENCE_TABLES = frozenset({"categories", "colour_policy"})


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


def create_backup(path: str | os.PathLike, actor: str) -> dict:
    """Write one database snapshot and the instance secrets to a file; return its manifest."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "tables").mkdir()
        with snapshot(db.engine) as connection:
            revision = schema_revision(connection)
            tables = {table.name: dump_table(connection, table, work / f"tables/{table.name}.jsonl")
                      for table in db.metadata.sorted_tables}
        manifest = {"format": FORMAT, "created_at": utcnow().isoformat(),
                    "dialect": db.engine.dialect.name, "schema_revision": revision,
                    "tables": tables, "secrets": _write_secrets(work / SECRETS)}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _pack(work, path)
    with unit_of_work():  # the snapshot above holds no write turn: writers go on meanwhile
        record(actor, "backup.create", path.name, schema_revision=revision,
               rows={name: part["rows"] for name, part in tables.items()})
    return manifest


def _write_secrets(path: Path) -> dict:
    """Copy the secrets kept in the instance folder; name the ones that come from outside."""
    stored_path = Path(current_app.instance_path) / SECRETS
    stored = json.loads(stored_path.read_text()) if stored_path.exists() else {}
    kept = {name: stored[name] for name in INSTANCE_SECRETS
            if name not in os.environ and stored.get(name) == current_app.config.get(name)}
    sources = {name: "instance" if name in kept else "external" for name in INSTANCE_SECRETS}
    if not kept:
        return {"sources": sources}
    data = json.dumps(kept, indent=2).encode()
    path.write_bytes(data)
    return {"sources": sources, "sha256": hashlib.sha256(data).hexdigest()}


def _pack(work: Path, path: Path) -> None:
    # Written to a fresh file beside the target and renamed: a crash never leaves a half backup
    # under its name, and no file already there (a leftover, a symlink) lends it its mode.
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                           suffix=".partial")  # 0600, created exclusively
    try:
        with os.fdopen(descriptor, "wb") as out:
            with tarfile.open(fileobj=out, mode="w:gz") as archive:
                archive.add(work / MANIFEST, arcname=MANIFEST)
                for member in sorted((work / "tables").iterdir()):
                    archive.add(member, arcname=f"tables/{member.name}")
                if (work / SECRETS).exists():
                    archive.add(work / SECRETS, arcname=SECRETS)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def restore_backup(path: str | os.PathLike, actor: str, force: bool = False) -> dict:
    """Replace the database's contents with a backup's; refuse a damaged or mismatched one."""
    path = Path(path)
    with _open_archive(path) as archive:
        manifest = _checked_manifest(archive)
        _prepare_schema(manifest, force)
        secrets = _read_secrets(archive, manifest)
        with unit_of_work():  # all or nothing: the old contents stay if anything fails
            _replace_contents(archive)
            _check_keys_decrypt(secrets)
            record(actor, "backup.restore", path.name, created_at=manifest["created_at"],
                   schema_revision=manifest["schema_revision"])
    anchor_head(reset=True)  # the heads signed over the replaced chain no longer apply
    _install_secrets(secrets)
    return manifest


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")  # noqa: SIM115 - the caller closes it
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path}: not a readable backup ({error})") from None


def _replace_contents(archive: tarfile.TarFile) -> None:
    tables = db.metadata.sorted_tables
    for table in reversed(tables):
        db.session.execute(table.delete())
    for table in tables:
        load_table(db.session, table, _member(archive, f"tables/{table.name}.jsonl"))
    reset_sequences(db.session, tables)


def _checked_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(_member(archive, MANIFEST))
    except (KeyError, ValueError, OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise BackupError(f"no readable manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    expected = {f"tables/{name}.jsonl": part["sha256"] for name, part in manifest["tables"].items()}
    if "sha256" in manifest["secrets"]:
        expected[SECRETS] = manifest["secrets"]["sha256"]
    present = {member.name for member in archive.getmembers()} - {MANIFEST}
    if present != expected.keys():
        raise BackupError(f"parts differ from the manifest: {sorted(present ^ expected.keys())}")
    for name, checksum in expected.items():
        if _sha256(archive, name) != checksum:
            raise BackupError(f"{name} does not match its checksum: the file is damaged or edited")
    missing = {table.name for table in db.metadata.sorted_tables} ^ manifest["tables"].keys()
    if missing:
        raise BackupError(f"tables differ from this version's schema: {sorted(missing)}")
    return manifest


def _member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    """A file in the archive (KeyError when it has no member of that name)."""
    stream = archive.extractfile(name)
    if stream is None:
        raise BackupError(f"{name} is not a file: the backup is damaged or edited")
    return stream


def _sha256(archive: tarfile.TarFile, name: str) -> str:
    digest, stream = hashlib.sha256(), _member(archive, name)
    try:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            digest.update(chunk)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise BackupError(f"{name} cannot be read: the file is damaged ({error})") from None
    return digest.hexdigest()


def _prepare_schema(manifest: dict, force: bool) -> None:
    """Build the schema on a fresh database; refuse another revision or data we would lose."""
    if not sa.inspect(db.engine).get_table_names():
        upgrade()
    with db.engine.connect() as connection:
        revision = schema_revision(connection)
    if revision != manifest["schema_revision"]:
        raise BackupError(f"the backup is at schema revision {manifest['schema_revision']}, "
                          f"this database at {revision}: restore with the matching version")
    holding = [table.name for table in db.metadata.sorted_tables
               if table.name not in REFERENCE_TABLES
               and db.session.scalar(sa.select(sa.func.count()).select_from(table))]
    if holding and not force:
        raise BackupError(f"the database is not empty ({', '.join(holding)}): "
                          "use --force to replace its contents")


def _read_secrets(archive: tarfile.TarFile, manifest: dict) -> dict:
    if "sha256" not in manifest["secrets"]:
        return {}
    return json.load(_member(archive, SECRETS))


def _check_keys_decrypt(secrets: dict) -> None:
    """Refuse, before committing, a restore whose signing keys the secret in effect cannot open."""
    secret = os.environ.get("KEY_ENCRYPTION_SECRET") or secrets.get("KEY_ENCRYPTION_SECRET") \
        or current_app.config["KEY_ENCRYPTION_SECRET"]
    for key in db.session.scalars(sa.select(SigningKey)):
        try:
            crypto.decrypt_private_key(key.private_key, secret.encode())
        except crypto.KeyDecryptionError:
            raise BackupError(f"signing key {key.kid} does not decrypt with the "
                              "KEY_ENCRYPTION_SECRET in effect: set the one in use when the "
                              "backup was made") from None


def _install_secrets(secrets: dict) -> None:
    """Put the backed-up instance secrets back; the next start of the service reads them."""
    if not secrets:
        return
    update_instance_secrets(current_app.instance_path, replace=secrets)
    current_app.config.update({name: value for name, value in secrets.items()
                               if name not in os.environ})
