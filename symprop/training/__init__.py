"""Training runs (issue 13): epochs and minibatches, the loss and the gradient norms of
every step and epoch, and the optimisers taught after SGD.

    schedule.py    which examples each step uses (seeded shuffling); no SymPy
    reference.py   the independent float64 run in NumPy; no SymPy
    run.py         the exact / high-precision run: derive one step once, walk it per step
    plots.py       the two plots' geometry (axes, ticks, points), for TeX and SVG
    report.py      the training report's context; the words live in templates/training*
    files.py       render and write the report (tex, pdf, html) and its JSON

Submodules are imported on use, so the NumPy reference never imports SymPy.
"""
