"""The structure of a layered network's sheet, as node names, planned from graph queries
(``graph.vector``, ``graph.loss``, ``graph.gradient``, ``graph.parameter``, …): the
forward pass, the loss, the errors, the gradients and the update of every step, the
forward pass after the last step, and the given values, the diagram and the summary.
Numbers are filled in per render (symprop.sheets.context)."""

from __future__ import annotations

from ..latex import SheetPrinter


class NetworkPlan:
    """Node names and matrix-form LaTeX of one graph's sheet, computed once."""

    def __init__(self, graph, printer: SheetPrinter):
        self.graph, self.printer = graph, printer
        self.examples = graph.examples
        self.batch = len(self.examples) > 1
        self.multistep = len(graph.steps) > 1
        self.trained = {e for e in graph.problem.entries() if graph.gradient(e) is not None}
        self.steps = [self._step(step) for step in graph.steps]
        last = graph.steps[-1]
        self.final_loss = graph.loss(last, after=True)
        self.after, self.after_total = self._forward(last, True) if self.final_loss \
            else ([], [])
        self.after_penalty = [n for n in (graph.penalty(last, after=True),) if n]

    def _step(self, step: int) -> dict:
        graph = self.graph
        forward, total = self._forward(step, False)
        layers = list(graph.layers)
        return {"number": step, "forward": forward, "total": total,
                "penalty": [n for n in (graph.penalty(step),) if n],
                "corrections": [n for n in (graph.correction("m", step),
                                            graph.correction("v", step)) if n],
                "backward": [self._backward(step, ex, l) for ex in self.examples
                             for l in reversed(layers)],
                "gradients": [self._gradients(step, l) for l in layers],
                "updates": [self._update(step, l) for l in layers] if "lr" in graph.nodes
                else [],
                "loss": graph.loss(step)}

    def _entries(self, layer: int) -> list[str]:
        return [e for row in self.graph.weights(layer) for e in row] + \
            self.graph.biases(layer)

    def _forward(self, step: int, after: bool) -> tuple[list, list]:
        """z, a and the loss of every example, then the batch's loss."""
        graph, blocks = self.graph, []
        for ex in self.examples:
            where = {"example": ex, "step": step, "after": after}
            lines = []
            for l in graph.layers:
                lines += graph.vector("z", l, **where) + graph.vector("a", l, **where)
            blocks.append({"example": ex, "lines": lines + [graph.loss(**where)]})
        return blocks, [graph.loss(step, after=after)] if self.batch else []

    def _backward(self, step: int, ex, l: int) -> dict:
        """∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ (or ∂L/∂ŷ), f'(z⁽ˡ⁾) and δ⁽ˡ⁾ of one example."""
        graph, printer = self.graph, self.printer
        where, version, output = {"example": ex, "step": step}, step - 1, l == graph.depth
        upstream = graph.vector("grad_yhat", **where) if output else \
            graph.vector("grad_a", l, **where)
        slopes = graph.vector("dact", l, **where)
        deltas = graph.vector("delta", l, **where)
        block = {"layer": l, "output": output, "example": ex, "units": len(deltas),
                 "lines": upstream + slopes + deltas,
                 "delta": printer.vector("delta", l, ex, version),
                 "upstream": printer.vector("grad_yhat" if output else "grad_a", l, ex,
                                            version),
                 "slope": printer.vector("dact", l, ex, version) if slopes else None,
                 "softmax": not graph.activation(l).elementwise,
                 "vectors": {"upstream": upstream, "slopes": slopes, "deltas": deltas}}
        if not output:
            block["weights_t"] = printer.vector("W", l + 1, None, version, transpose=True)
            block["next_delta"] = printer.vector("delta", l + 1, ex, version)
            block["vectors"]["weights_t"] = [
                [graph.parameter(entry, step) for entry in column]
                for column in zip(*graph.weights(l + 1), strict=True)]
            block["vectors"]["next_deltas"] = graph.vector("delta", l + 1, **where)
        return block

    def _gradient_grids(self, step: int, l: int) -> tuple[list, list]:
        """∂L/∂W⁽ˡ⁾ as a grid of node names and ∂L/∂b⁽ˡ⁾ as a column (None: frozen)."""
        graph = self.graph
        return ([[graph.gradient(e, step) for e in row] for row in graph.weights(l)],
                [[graph.gradient(e, step)] for e in graph.biases(l)])

    def _gradients(self, step: int, l: int) -> dict:
        """∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ (summed or averaged over the batch) and ∂L/∂b⁽ˡ⁾."""
        graph, printer, version = self.graph, self.printer, step - 1
        weights, biases = graph.weights(l), graph.biases(l)
        entries = [e for e in self._entries(l) if graph.gradient(e, step)]
        lines = [graph.gradient(e, step, ex)
                 for ex in (self.examples if self.batch else []) for e in entries]
        lines += [graph.gradient(e, step) for e in entries]
        single = None if self.batch else self.examples[0]
        grad, bias_grad = self._gradient_grids(step, l)
        previous = ("x", None) if l == 1 else ("a", l - 1)
        inputs = graph.vector("x", example=single) if l == 1 else \
            graph.vector("a", l - 1, example=single, step=step)
        decayed = set(graph.problem.decayed())
        return {
            "layer": l, "lines": lines, "rows": len(weights), "cols": len(weights[0]),
            "output": l == graph.depth, "batch": self.batch,
            "decay": any(e in decayed for row in weights for e in row),  # + λW (L2)
            "Wparam": printer.vector("W", l, None, version),
            "shared_bias": graph.bias_kind(l) == "shared",
            "has_bias": any(graph.gradient(e, step) for e in biases),
            "W": printer.gradient("W", l, version), "b": printer.gradient("b", l, version),
            "delta": printer.vector("delta", l, single, version),
            "delta_n": printer.vector("delta", l, "n", version),
            "input_t": printer.vector(*previous, single, version, transpose=True),
            "input_n_t": printer.vector(*previous, "n", version, transpose=True),
            "vectors": {"grad": grad, "bias_grad": bias_grad, "inputs": [inputs],
                        "weights": [[graph.parameter(e, step) if e in decayed else None
                                     for e in row] for row in weights],
                        "deltas": [[n] for n in graph.vector("delta", l, example=single,
                                                             step=step)]}}

    def _update(self, step: int, l: int) -> dict:
        """θ ← θ − η ∂L/∂θ for layer l, as matrices and entry by entry."""
        graph, printer, version = self.graph, self.printer, step - 1
        weights, biases = graph.weights(l), graph.biases(l)
        grad, bias_grad = self._gradient_grids(step, l)

        def new(kind):
            return printer.vector(kind, l, None, step) if self.multistep else \
                printer.vector(kind, l) + r"_{\text{new}}"

        def values(rows, during):
            return [[graph.parameter(e, during) for e in row] for row in rows]

        states = [graph.state(kind, e, step) for e in self._entries(l)
                  for kind in ("velocity", "m", "v", "mhat", "vhat")]
        return {
            "layer": l, "rows": len(weights), "cols": len(weights[0]),
            "has_bias": any(graph.gradient(e, step) for e in biases),
            "states": [n for n in states if n],  # the optimiser's lines before θ's
            "lines": [n for n in (graph.updated(e, step) for e in self._entries(l)) if n],
            "W": printer.vector("W", l, None, version), "W_new": new("W"),
            "b": printer.vector("b", l, None, version), "b_new": new("b"),
            "gW": printer.gradient("W", l, version), "gb": printer.gradient("b", l, version),
            "vectors": {"W": values(weights, step), "new": values(weights, step + 1),
                        "grad": grad, "bias_grad": bias_grad,
                        "b": values([[e] for e in biases], step),
                        "b_new": values([[e] for e in biases], step + 1)}}

    def as_dict(self) -> dict:
        return {"steps": self.steps, "after": self.after, "after_total": self.after_total,
                "after_penalty": self.after_penalty,
                "final_loss": self.final_loss, "examples": self.examples}
