"""A run of ``symprop variants``: draw (in forked workers for large runs), render, and
write every file atomically, the manifest last."""

from __future__ import annotations

from ..decimals import decimal_text
from ..errors import LimitError
from .plan import Plan, Tally
from .views import Rendered, Views, key_csv, render

MANIFEST = "manifest.json"
MARKER = ".symprop-run"  # the run a half-written folder belongs to (written first)
WRITERS = 8  # threads that write files (fsync waits overlap)
PARALLEL_FROM = 64  # fewer variants than this are drawn in this process
CHUNK = 16
BUNDLE_RUNS = 1  # questions.pdf and solutions.pdf have no cross-references: one pdflatex run
_WORK: dict = {}  # what forked workers share with their parent: the plan and the views


def _search_one(item) -> tuple:
    plan, views = _WORK["plan"], _WORK["views"]
    number, child = item
    tally = Tally()
    variant = plan.search(number, child, set(), tally)
    return tally, render(plan, views, variant) if views is not None else variant


def found_variants(plan: Plan, views: Views | None, children, jobs: int):
    """Each variant's first passing candidate (ignoring duplicates), in order; with a
    worker's Tally before it. Forked workers when ``jobs`` > 1 and fork is available."""
    import multiprocessing

    items = list(enumerate(children, 1))
    if jobs <= 1 or len(items) < PARALLEL_FROM or \
            "fork" not in multiprocessing.get_all_start_methods():
        for number, child in items:
            tally = Tally()
            variant = plan.search(number, child, set(), tally)
            yield tally
            yield render(plan, views, variant) if views is not None else variant
        return
    yield from _forked(plan, views, items, jobs)


class _Worker:
    """A forked process that draws chunks ``w, w + jobs, …`` and sends each, pickled,
    through its own pipe. No lock is shared: multiprocessing.Pool's workers share the task
    queue's lock, and one that SIGTERM (sent to the process group) ends while it waits for
    a task leaves Pool.terminate waiting forever."""

    def __init__(self, chunks: list):
        import os

        from ..output import quiet_worker

        reader, writer = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: its results, then exit at once (no atexit, no flush)
            os.close(reader)
            try:
                quiet_worker()
                with open(writer, "wb") as out:
                    for chunk in chunks:
                        _send(out, chunk)
            finally:
                os._exit(0)
        os.close(writer)
        self.reader, self.status = open(reader, "rb"), None

    def receive(self) -> list:
        """The next chunk's (tally, found) pairs; a worker's error is raised here."""
        import pickle

        try:
            kind, payload = pickle.load(self.reader)
        except (EOFError, pickle.UnpicklingError):  # the worker ended before it sent all
            raise self.ended() from None
        if kind == "error":
            raise _rebuilt(*payload)
        return payload

    def ended(self) -> BaseException:
        import os
        import signal

        from ..output import Interrupted

        _, self.status = os.waitpid(self.pid, 0)
        if os.WIFSIGNALED(self.status) and os.WTERMSIG(self.status) in (signal.SIGINT,
                                                                        signal.SIGTERM):
            return Interrupted(os.WTERMSIG(self.status))  # the signal went to the group
        return RuntimeError(f"a variants worker ended early (wait status {self.status})")

    def stop(self) -> None:
        import contextlib
        import os
        import signal

        self.reader.close()
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def _send(out, chunk) -> None:
    import pickle
    import traceback

    from ..errors import SympropError

    try:
        message = ("found", [_search_one(item) for item in chunk])
    except SympropError as error:
        message = ("error", (type(error).__name__, str(error), None))
    except Exception as error:  # a bug: the parent reports it with this traceback
        message = ("error", (type(error).__name__, str(error), traceback.format_exc()))
    pickle.dump(message, out, pickle.HIGHEST_PROTOCOL)
    out.flush()


def _rebuilt(name: str, message: str, trace: str | None) -> Exception:
    """A worker's error, raised again in the parent (SpecError's own __init__ takes other
    arguments, so the class is rebuilt from its message)."""
    from .. import errors

    kind = getattr(errors, name, None)
    if trace is None and isinstance(kind, type) and issubclass(kind, errors.SympropError):
        error = kind.__new__(kind)
        errors.SympropError.__init__(error, message)
        return error
    error = RuntimeError(f"{name} in a variants worker: {message}")
    error.__cause__ = _WorkerError(trace)  # shown with SYMPROP_DEBUG=1
    return error


class _WorkerError(Exception):
    def __str__(self) -> str:
        return "\n" + str(self.args[0])


def _forked(plan, views, items, jobs):
    from ..output import signals_held, uninterrupted

    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    jobs = min(jobs, len(chunks))
    _WORK.update(plan=plan, views=views)
    workers: list[_Worker] = []
    try:
        for w in range(jobs):  # signals wait until the worker has its own handlers
            with uninterrupted(), signals_held():
                workers.append(_Worker(chunks[w::jobs]))
        for index in range(len(chunks)):
            for tally, found in workers[index % jobs].receive():
                yield tally
                yield found
    finally:
        for worker in workers:
            worker.stop()
        _WORK.clear()


def run_id(spec_bytes: bytes, count: int, seed: int, max_tries: int | None) -> str:
    """What identifies a run: the spec's bytes, -n, --seed, --max-tries and the version."""
    import hashlib

    from .. import __version__

    text = f"{__version__}\n{count}\n{seed}\n{max_tries}\n".encode() + spec_bytes
    return hashlib.sha256(text).hexdigest()


def prepare_folder(folder, identity: str, force: bool):
    """Check the folder before a run, and return the Ledger of the files earlier runs wrote.

    Without ``force``, a folder written by another run is refused, and so is a file of this
    run that was changed since it was written. Then the folder is marked as ours (the marker
    keeps the ledger) and its manifest is removed, so an interrupted run never leaves a
    folder that looks complete."""
    import json
    from pathlib import Path

    from ..errors import OutputError
    from ..output import Ledger

    folder = Path(folder)
    try:
        occupied = folder.exists() and any(folder.iterdir())
    except OSError as error:
        raise OutputError(f"{folder}: cannot read ({error.strerror or error})") from None
    previous, ledger = None, Ledger(folder)
    for name in (MANIFEST, MARKER):  # the last complete run, else an interrupted one
        try:
            text = (folder / name).read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and "run" in data:
            previous, ledger = data["run"], Ledger(folder, data.get("sha256"))
            break
        if name == MARKER:  # written by symprop before the ledger: the run's identity alone
            previous = text.strip()
    if occupied and previous != identity and not force:
        raise OutputError(f"{folder}: holds variants from another run (a different spec, "
                          "-n, --seed or --max-tries); use --force to replace them, or "
                          "--output for another folder")
    if not force:  # fail before drawing, not after
        for name in sorted(ledger.recorded):
            ledger.claim(folder / name, None)
    _mark(folder, identity, ledger)
    try:
        (folder / MANIFEST).unlink(missing_ok=True)
    except OSError as error:
        raise OutputError(f"{folder / MANIFEST}: cannot remove ({error.strerror or error})"
                          ) from None
    return ledger


def _mark(folder, identity: str, ledger) -> None:
    from ..output import write_atomic

    write_atomic(folder / MARKER, _json({"run": identity, "sha256": ledger.to_dict()}))


def _write_all(jobs) -> None:
    """Write (path, bytes) jobs in threads; on an error or an interruption, the writes not
    yet started are cancelled (the ones under way finish: files are whole or absent)."""
    from concurrent.futures import ThreadPoolExecutor

    from ..output import results, shut_down, write_atomic

    pool = ThreadPoolExecutor(WRITERS)
    try:
        results([pool.submit(write_atomic, path, data) for path, data in jobs])
    finally:
        shut_down(pool)


def write(plan: Plan, views: Views, rendered: list[Rendered], folder, *, seed: int,
          identity: str, spec_name: str, tally: Tally, pdf: bool = False, ledger=None,
          force: bool = False, spec_bytes: bytes = b"") -> list:
    """Every file of the run, atomically; the manifest last. ``views.formats`` says which
    learning-platform files to write (moodle.xml, qti.zip, prairielearn/). ``ledger``
    (from prepare_folder) says which existing files symprop wrote: only those are replaced
    without ``force``, and only unchanged ones that this run does not write are deleted."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from .. import __version__
    from ..output import Ledger, write_atomic

    folder = Path(folder)
    ledger = ledger if ledger is not None else Ledger(folder)
    jobs: list[tuple[Path, str | bytes]] = []
    labels = []
    for item in rendered:
        label = item.context["variant"]["label"]
        labels.append(label)
        jobs.append((folder / label / "question.tex", views.document([item.question])))
        jobs.append((folder / label / "solution.tex", views.document([item.solution])))
        jobs.append((folder / label / "key.json", _json(item.key)))
        jobs.append((folder / label / "spec.yaml",
                     views.spec(item.variant, item.key, spec_name, seed)))
    jobs.append((folder / "key.csv", key_csv(plan, rendered)))
    jobs += format_files(plan, views, rendered, folder, seed, spec_bytes)
    jobs = [(path, data.encode("utf-8") if isinstance(data, str) else data)
            for path, data in jobs]
    pdfs = {folder / "questions.pdf": [item.question for item in rendered],
            folder / "solutions.pdf": [item.solution for item in rendered]} if pdf else {}
    for path, data in jobs:  # every file is checked before the first is written
        ledger.claim(path, data, force)
    for path in pdfs:
        ledger.claim(path, None, force)
    for path, data in jobs:  # until the manifest, old and new content both count as ours
        ledger.expect(path, data)
    _mark(folder, identity, ledger)
    _write_all(jobs)
    if pdfs:  # the two documents compile side by side
        import threading

        from ..output import results, shut_down
        from ..tex import pdf_bytes

        cancel = threading.Event()  # an error or an interruption stops both engines
        pool = ThreadPoolExecutor(len(pdfs))
        try:
            futures = [pool.submit(pdf_bytes, views.document(pages), BUNDLE_RUNS, cancel)
                       for pages in pdfs.values()]
            built = list(zip(pdfs, results(futures), strict=True))
        except BaseException:
            cancel.set()
            raise
        finally:
            shut_down(pool)
        for path, data in built:
            ledger.expect(path, data)
        _mark(folder, identity, ledger)
        _write_all(built)
        jobs += built
    files = [ledger.name(path) for path, _ in jobs]
    ledger.remove_stale(files)  # an earlier run's files (more variants, PDFs) that are unchanged
    for path, data in jobs:
        ledger.settle(path, data)
    manifest = {
        "symprop": __version__, "run": identity, "spec": spec_name,
        "problem": plan.problem.name, "count": len(rendered), "seed": seed,
        "seeding": "variant k: numpy.random.default_rng(numpy.random.SeedSequence(seed, "
                   "spawn_key=(k - 1,))), the same as SeedSequence(seed).spawn(count)[k - 1]; "
                   "its draw-th candidate rng.integers(0, sizes) over the grids in 'rules.vary' "
                   "order",
        "rules": plan.rules.to_dict(),
        "tolerances": {name: decimal_text(t) for name, t in plan.rules.tolerance.items()},
        "rejected": tally.to_dict(),
        "variants": [{"label": label, "spawn_key": list(item.variant.spawn_key),
                      "draw": item.variant.draw}
                     for label, item in zip(labels, rendered, strict=True)],
        "files": sorted(files),
        "sha256": ledger.to_dict(),
    }
    write_atomic(folder / MANIFEST, _json(manifest))
    (folder / MARKER).unlink(missing_ok=True)
    return files


def format_files(plan: Plan, views: Views, rendered: list[Rendered], folder, seed: int,
                 spec_bytes: bytes) -> list:
    """(path, data) of the learning-platform files that ``views.formats`` names."""
    from . import prairielearn, qti

    out = []
    if "moodle" in views.formats:
        out.append((folder / "moodle.xml", views.moodle(rendered)))
    if "qti" in views.formats:
        out.append((folder / "qti.zip", qti.package(views, rendered)))
    if "prairielearn" in views.formats:
        out += [(folder / "prairielearn" / path, data)
                for path, data in prairielearn.files(plan, views, spec_bytes, seed)]
    return out


def _json(data) -> str:
    import json

    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def make(spec, count: int, seed: int, *, output=None, pdf: bool = False, force: bool = False,
         max_tries: int | None = None, user_templates=None, progress=None, jobs: int = 0,
         max_parameters: int | None = None, formats=("moodle",)):
    """``symprop variants``: draw, render and write ``count`` variants of ``spec``.

    Returns the folder. ``progress(k)`` is called as variants are drawn; ``jobs`` processes
    draw and render them (0: one per CPU); ``formats``: which of moodle, qti, prairielearn
    to write."""
    import os
    from pathlib import Path

    from ..output import output_dir
    from ..spec import load

    if count < 1:
        raise LimitError(f"-n: expected at least 1 variant, got {count}")
    jobs = jobs or os.cpu_count() or 1
    problem = load(spec, max_parameters)
    plan = Plan(problem, max_tries)
    views = Views(plan, user_templates, check_formats(formats))
    views.width = max(3, len(str(count)))
    folder = output_dir(spec, output) / "variants"
    spec_bytes = Path(spec).read_bytes()
    identity = run_id(spec_bytes, count, seed, max_tries)
    ledger = prepare_folder(folder, identity, force)
    rendered, tally = plan.generate(count, seed, progress, jobs, views)
    write(plan, views, rendered, folder, seed=seed, identity=identity,
          spec_name=Path(spec).name, tally=tally, pdf=pdf, ledger=ledger, force=force,
          spec_bytes=spec_bytes)
    return folder


def check_formats(formats) -> tuple[str, ...]:
    """The platform formats, in order, each once; an unknown one is bad input."""
    from ..errors import SpecError
    from .views import FORMATS

    out = []
    for name in formats:
        if name not in FORMATS:
            raise SpecError("--format", f"one or more of {', '.join(FORMATS)}", repr(name))
        if name not in out:
            out.append(name)
    return tuple(out)
