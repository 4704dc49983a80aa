"""Writing files without losing anything. ``solve``, ``check`` and ``variants`` share these rules:

* A file is written atomically: a temporary file beside it, then a rename. It gets the
  permissions of an ordinary new file (0666 less the umask). The temporary file is removed
  on every way out: an error, a full disk, Ctrl-C, SIGTERM.
* symprop records the SHA-256 of every file it writes in a ledger: ``.symprop-files.json``
  beside solve's and check's files, and ``manifest.json`` for variants.
* An existing file is replaced only when it already holds the new bytes, or when symprop
  wrote it and it is unchanged since. Anything else needs ``force``, which replaces the
  file.
* symprop deletes only files that it wrote and that are unchanged since. It never deletes
  anything else, ``force`` or not.
* Output names stay inside the base folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from .errors import OutputError

LEDGER = ".symprop-files.json"
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


# interruptions ------------------------------------------------------------------------------
class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM. ``signum`` says which (the CLI exits with 128 + signum)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__()
        self.signum = signum


class _Pending:
    depth = 0  # nested uninterrupted() blocks in the main thread
    signum: int | None = None


def interrupt(signum, frame) -> None:
    """The CLI's handler for SIGINT and SIGTERM. It raises Interrupted, but not inside an
    ``uninterrupted()`` block: there it waits until the block ends."""
    if _Pending.depth:
        _Pending.signum = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def uninterrupted():
    """A block that an interruption does not cut short: creating a temporary file or folder
    together with what removes it. Python runs signal handlers in the main thread only, so
    other threads need no guard."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Pending.depth += 1
    try:
        yield
    finally:
        _Pending.depth -= 1
        if not _Pending.depth and _Pending.signum is not None:
            signum, _Pending.signum = _Pending.signum, None
            raise Interrupted(signum)


def results(futures, poll: float = 0.05) -> list:
    """Each future's result, in order, waited for in the main thread. An interruption that
    arrives meanwhile is raised between two short waits, never inside one: an exception
    raised in a lock's wait can leave the lock released (RuntimeError: release unlocked
    lock) instead of ending the run as Ctrl-C should."""
    from concurrent.futures import TimeoutError as Waiting

    out: list = []
    with uninterrupted():  # raises the pending interruption on leaving
        for future in futures:
            while True:
                try:
                    out.append(future.result(timeout=poll))
                    break
                except Waiting:
                    if _Pending.signum is not None:
                        return out
    return out


def shut_down(pool) -> None:
    """``pool.shutdown`` with the writes not yet started cancelled; the ones under way
    finish (files are whole or absent), and an interruption waits until they have."""
    with uninterrupted():
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def signals_held():
    """Around forking a worker: Ctrl-C and SIGTERM wait in the kernel until the block ends.
    The child inherits the hold and ends it in quiet_worker, once its handlers are set, so
    no signal reaches a child that still has its parent's handler."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def quiet_worker() -> None:
    """For a forked worker, first thing: the parent handles interruptions. The worker
    ignores Ctrl-C, and SIGTERM (sent to the whole process group) ends it at once, silently.
    Then the signals that signals_held() kept waiting are let through."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


@contextlib.contextmanager
def temporary_folder(prefix: str):
    """A private temporary folder, removed on every way out (also when interrupted)."""
    folder = None
    try:
        with uninterrupted():
            folder = tempfile.mkdtemp(prefix=prefix)
        yield Path(folder)
    finally:
        if folder is not None:
            with uninterrupted():
                shutil.rmtree(folder, ignore_errors=True)


# writing ------------------------------------------------------------------------------------
def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    data = data.encode("utf-8") if isinstance(data, str) else data
    temporary = None
    try:
        with uninterrupted():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary, descriptor = _create_beside(path)
                with open(descriptor, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
                temporary = None
            finally:
                if temporary is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror or error})") from None
    return path


def _create_beside(path: Path) -> tuple[str, int]:
    """A new temporary file beside ``path``, opened with mode 0666 so the umask applies
    (tempfile.mkstemp would give 0600, and the renamed file would keep it)."""
    for _ in range(100):
        name = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            return name, os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Ledger:
    """The files symprop wrote under ``folder``: relative path → the SHA-256 digests the
    file may hold. A file has two while it is being replaced: the old and the new content
    both count as symprop's until the write is settled."""

    def __init__(self, folder: str | Path, recorded: dict | None = None):
        self.folder = Path(folder)
        self.recorded: dict[str, set[str]] = {}
        for name, value in (recorded if isinstance(recorded, dict) else {}).items():
            values = [value] if isinstance(value, str) else value
            if isinstance(values, list) and _inside(name):
                self.recorded[name] = {v for v in values if isinstance(v, str)}

    @classmethod
    def read(cls, folder: str | Path, name: str = LEDGER) -> Ledger:
        """The ledger saved in ``folder/name`` (empty if missing or unreadable)."""
        try:
            data = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return cls(folder, data.get("sha256") if isinstance(data, dict) else None)

    def to_dict(self) -> dict:
        return {name: sorted(hashes)[0] if len(hashes) == 1 else sorted(hashes)
                for name, hashes in sorted(self.recorded.items())}

    def save(self, name: str = LEDGER) -> None:
        write_atomic(self.folder / name,
                     json.dumps({"sha256": self.to_dict()}, indent=1) + "\n")

    def name(self, path: str | Path) -> str:
        """``path`` relative to the folder; a path outside it is refused."""
        try:
            relative = Path(path).relative_to(self.folder).as_posix()
        except ValueError:
            relative = None
        if relative is None or not _inside(relative):
            raise OutputError(f"{path}: expected a path inside {self.folder}")
        return relative

    def unchanged(self, path: str | Path) -> bool:
        """Whether symprop wrote ``path`` and nobody changed it since."""
        try:
            return digest(Path(path).read_bytes()) in self.recorded.get(self.name(path), ())
        except OSError:
            return False

    def claim(self, path: str | Path, data: bytes | None, force: bool = False) -> None:
        """Raise OutputError unless symprop may write ``data`` to ``path`` (``data`` None:
        not known yet; then only a missing file or symprop's own unchanged one passes)."""
        path = Path(path)
        name = self.name(path)
        if not path.exists() and not path.is_symlink():
            return
        if path.is_dir() or not path.is_file():
            raise OutputError(f"{path}: is a folder or a special file, not a file symprop "
                              "can replace (remove it, or choose another --output)")
        try:
            current = path.read_bytes()
        except OSError as error:
            raise OutputError(f"{path}: cannot read ({error.strerror or error})") from None
        if current == data or digest(current) in self.recorded.get(name, ()) or force:
            return
        if name in self.recorded:
            raise OutputError(f"{path}: was changed after symprop wrote it; use --force to "
                              "replace it")
        raise OutputError(f"{path}: exists, and symprop has no record of writing it; use "
                          "--force to replace it")

    def expect(self, path: str | Path, data: bytes) -> None:
        """Before writing: the file may hold ``data`` as well as what it holds now."""
        self.recorded.setdefault(self.name(path), set()).add(digest(data))

    def settle(self, path: str | Path, data: bytes) -> None:
        """After writing: the file holds ``data``."""
        self.recorded[self.name(path)] = {digest(data)}

    def remove_stale(self, keep) -> list[str]:
        """Delete the recorded files not named in ``keep`` that are unchanged, and then the
        folders this empties. Forget every stale record; return the names of the changed
        files that were kept."""
        kept = []
        for name in sorted(set(self.recorded) - set(keep)):
            path = self.folder / name
            if self.unchanged(path):
                try:
                    path.unlink()
                except OSError as error:
                    raise OutputError(f"{path}: cannot remove ({error.strerror or error})"
                                      ) from None
                for parent in path.parents:
                    if parent == self.folder or self.folder not in parent.parents:
                        break
                    try:
                        parent.rmdir()  # only an empty folder
                    except OSError:
                        break
            elif path.exists():
                kept.append(name)
            del self.recorded[name]
        return kept


def _inside(name) -> bool:
    """Whether a recorded name stays inside its folder (a manifest is user-editable)."""
    if not isinstance(name, str):
        return False
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def write_files(folder: str | Path, jobs: list[tuple[Path, bytes]], force: bool = False
                ) -> list[Path]:
    """Write ``jobs`` (path, bytes) under ``folder`` by the rules above, and keep its ledger.

    Nothing is written unless every file may be."""
    ledger = Ledger.read(folder)
    for path, data in jobs:
        ledger.claim(path, data, force)
    for path, data in jobs:  # an interrupted write leaves a file the next run recognises
        ledger.expect(path, data)
    ledger.save()
    written = [write_atomic(path, data) for path, data in jobs]
    for path, data in jobs:
        ledger.settle(path, data)
    ledger.save()
    return written


def output_dir(spec_path: str | Path, base: str | Path | None = None) -> Path:
    """``output/<spec stem>/`` unless the user names another base folder. A stem that would
    not name a folder inside the base (``..`` from ``...yaml``, ``.`` from ``..yaml``) is
    refused."""
    base = Path(base or "output")
    stem = Path(spec_path).stem
    if not stem.strip("."):  # a stem never holds a separator; '.' and '..' are the danger
        raise OutputError(f"{spec_path}: expected a spec file name whose stem names a folder "
                          f"inside {base}, got the stem '{stem}' (rename the file)")
    return base / stem
