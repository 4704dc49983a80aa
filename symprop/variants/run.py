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
    _WORK.update(plan=plan, views=views)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for tally, found in pool.imap(_search_one, items, chunksize=CHUNK):
                yield tally
                yield found
    finally:
        _WORK.clear()


def run_id(spec_bytes: bytes, count: int, seed: int, max_tries: int | None) -> str:
    """What identifies a run: the spec's bytes, -n, --seed, --max-tries and the version."""
    import hashlib

    from .. import __version__

    text = f"{__version__}\n{count}\n{seed}\n{max_tries}\n".encode() + spec_bytes
    return hashlib.sha256(text).hexdigest()


def prepare_folder(folder, identity: str, force: bool) -> None:
    """Refuse a folder written by another run (unless ``force``); then mark it as ours
    and remove its manifest, so an interrupted run never leaves a complete-looking folder."""
    import json
    from pathlib import Path

    from ..errors import OutputError
    from ..output import write_atomic

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not force:
        previous = None
        for name in (MANIFEST, MARKER):
            try:
                text = (folder / name).read_text(encoding="utf-8")
                previous = json.loads(text)["run"] if name == MANIFEST else text.strip()
                break
            except (OSError, ValueError, KeyError, TypeError):
                continue
        if previous != identity:
            raise OutputError(f"{folder}: holds variants from another run (a different spec, "
                              "-n, --seed or --max-tries); use --force to replace them, or "
                              "--output for another folder")
    write_atomic(folder / MARKER, identity + "\n")
    (folder / MANIFEST).unlink(missing_ok=True)


def write(plan: Plan, views: Views, rendered: list[Rendered], folder, *, seed: int,
          identity: str, spec_name: str, tally: Tally, pdf: bool = False,
          spec_bytes: bytes = b"") -> list:
    """Every file of the run, atomically; the manifest last. ``views.formats`` says which
    learning-platform files to write (moodle.xml, qti.zip, prairielearn/)."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from .. import __version__
    from ..output import write_atomic

    folder = Path(folder)
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
    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(write_atomic, path, data) for path, data in jobs]:
            future.result()
    files = [str(path.relative_to(folder)) for path, _ in jobs]
    pdfs = {"questions.pdf": [item.question for item in rendered],
            "solutions.pdf": [item.solution for item in rendered]}
    if pdf:  # the two documents compile side by side
        from ..tex import build_pdf

        with ThreadPoolExecutor(len(pdfs)) as pool:
            for future in [pool.submit(build_pdf, views.document(pages), folder / name,
                                       BUNDLE_RUNS)
                           for name, pages in pdfs.items()]:
                future.result()
        files += list(pdfs)
    else:
        for name in pdfs:
            (folder / name).unlink(missing_ok=True)  # a stale PDF would not match
    for stale in folder.iterdir():  # variant folders of an earlier, larger run
        if stale.is_dir() and stale.name.isdigit() and stale.name not in labels:
            shutil.rmtree(stale)
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
    prepare_folder(folder, identity, force)
    rendered, tally = plan.generate(count, seed, progress, jobs, views)
    write(plan, views, rendered, folder, seed=seed, identity=identity,
          spec_name=Path(spec).name, tally=tally, pdf=pdf, spec_bytes=spec_bytes)
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
