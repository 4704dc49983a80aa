"""The structure of a layered network's sheet, as node names, planned from graph queries
(``graph.vector``, ``graph.loss``, ``graph.gradient``, ``graph.parameter``, …): the
forward pass, the loss, the errors, the gradients and the update of every step, the
forward pass after the last step, and the given values, the diagram and the summary.
Numbers are filled in per render (symprop.sheets.context).

Matrix forms are planned as equations: a left side and pieces ("= …"), each piece a list
of terms (where a long piece may break), each term a list of tokens: LaTeX text,
``("n", name)`` for a node's number, ``("m", grid)`` for a matrix of node names (None: a
frozen parameter's dash). ``covers`` names the worked lines an equation states in full,
which the compact sheet leaves out."""

from __future__ import annotations

from ..latex import SheetPrinter


def equation(key: str, lhs: str, pieces: list, covers=(), compact_only: bool = False) -> dict:
    return {"key": key, "lhs": lhs, "pieces": pieces, "covers": tuple(covers),
            "compact_only": compact_only}


def column(names) -> tuple:
    return ("m", [[n] for n in names])


def row(names) -> tuple:
    return ("m", [list(names)])


class NetworkPlan:
    """Node names and matrix-form LaTeX of one graph's sheet, computed once."""

    def __init__(self, graph, printer: SheetPrinter):
        self.graph, self.printer = graph, printer
        self.examples = graph.examples
        self.batch = len(self.examples) > 1
        self.multistep = len(graph.steps) > 1
        self.trained = {e for e in graph.problem.entries() if graph.gradient(e) is not None}
        # momentum and Adam move θ by their own states, not by η ∂L/∂θ (optimizer.tex.j2)
        self.optimizer = graph.problem.optimizer.name if "lr" in graph.nodes else "sgd"
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

    def _vector(self, kind: str, layer, example, version: int) -> str:
        """A bold name; after the only step it is marked 'new', as the entries are."""
        text = self.printer.vector(kind, layer, example, version)
        return text + r"_{\text{new}}" if version and not self.multistep else text

    def _entries(self, layer: int) -> list[str]:
        return [e for row in self.graph.weights(layer) for e in row] + \
            self.graph.biases(layer)

    def _forward(self, step: int, after: bool) -> tuple[list, list]:
        """z, a and the loss of every example, then the batch's loss; as vectors, the
        forward pass z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾) (shown on compact sheets)."""
        graph, printer, blocks = self.graph, self.printer, []
        during = step + 1 if after else step  # the parameters' version
        version = during - 1
        for ex in self.examples:
            where = {"example": ex, "step": step, "after": after}
            lines, equations = [], []
            inputs = graph.vector("x", example=ex)
            previous = self._vector("x", None, ex, 0)
            for l in graph.layers:
                zs, activations = graph.vector("z", l, **where), graph.vector("a", l, **where)
                lines += zs + activations
                weights = [[graph.parameter(e, during) for e in r] for r in graph.weights(l)]
                biases = [graph.parameter(e, during) for e in graph.biases(l)]
                z = self._vector("z", l, ex, version)
                a = self._vector("yhat", None, ex, version) if l == graph.depth else \
                    self._vector("a", l, ex, version)
                w = self._vector("W", l, None, version)
                formula = f"{w} {previous}"
                product = [[("m", weights)], [column(inputs)]]
                if biases:
                    formula += f" + {self._vector('b', l, None, version)}"
                    if graph.bias_kind(l) == "shared":  # (b, b, …): one bias for every unit
                        biases = biases * len(zs)
                    product.append([" + ", column(biases)])
                key = f"forward:{step}:{after}:{ex}:{l}"
                if len(weights) * len(weights[0]) > 1:
                    equations.append(equation(key + ":z", z, [[[formula]], product,
                                                               [[column(zs)]]], zs))
                if len(zs) > 1:
                    named = printer.activation_of(l, z)
                    equations.append(equation(key + ":a", a, [[[named]],
                                                              [[column(activations)]]],
                                              activations))
                inputs, previous = activations, a
            blocks.append({"example": ex, "lines": lines + [graph.loss(**where)],
                           "equations": equations})
        return blocks, [graph.loss(step, after=after)] if self.batch else []

    def _backward(self, step: int, ex, l: int) -> dict:
        """∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ (or ∂L/∂ŷ), f'(z⁽ˡ⁾) and δ⁽ˡ⁾ of one example."""
        graph, printer = self.graph, self.printer
        where, version, output = {"example": ex, "step": step}, step - 1, l == graph.depth
        upstream = graph.vector("grad_yhat", **where) if output else \
            graph.vector("grad_a", l, **where)
        slopes = graph.vector("dact", l, **where)
        deltas = graph.vector("delta", l, **where)
        delta = printer.vector("delta", l, ex, version)
        upstream_name = printer.vector("grad_yhat" if output else "grad_a", l, ex, version)
        slope = printer.vector("dact", l, ex, version) if slopes else None
        key = f"backward:{step}:{ex}:{l}"
        equations = []
        if len(deltas) > 1:
            if not output:
                weights_t = printer.vector("W", l + 1, None, version, transpose=True)
                next_delta = printer.vector("delta", l + 1, ex, version)
                transposed = [[graph.parameter(entry, step) for entry in col]
                              for col in zip(*graph.weights(l + 1), strict=True)]
                equations.append(equation(key + ":upstream", upstream_name, [
                    [[f"{weights_t} {next_delta}"]],
                    [[("m", transposed)], [column(graph.vector("delta", l + 1, **where))]],
                    [[column(upstream)]]], upstream))
            else:
                equations.append(equation(key + ":upstream", upstream_name,
                                          [[[column(upstream)]]], upstream, True))
            if slopes:
                equations.append(equation(key + ":slope", slope, [[[column(slopes)]]],
                                          slopes, True))
                equations.append(equation(key + ":delta", delta, [
                    [[f"{upstream_name} \\odot {slope}"]],
                    [[column(upstream)], [r" \odot ", column(slopes)]],
                    [[column(deltas)]]], deltas))
            elif graph.activation(l).elementwise:
                equations.append(equation(key + ":delta", delta, [
                    [[upstream_name]], [[column(deltas)]]], deltas))
            else:  # softmax: the Jacobian couples the units; its lines follow
                equations.append(equation(key + ":delta", delta, [[[column(deltas)]]],
                                          deltas))
        return {"layer": l, "output": output, "example": ex, "units": len(deltas),
                "lines": upstream + slopes + deltas, "delta": delta,
                "upstream": upstream_name, "slope": slope,
                "softmax": not graph.activation(l).elementwise,
                "equations": equations, "fused": self._fused(step, ex, l, deltas)}

    def _fused(self, step: int, ex, l: int, deltas: list) -> dict | None:
        """The closed form of the output error (softmax with cross-entropy, sigmoid with
        binary cross-entropy: δ = ŷ − y), beside the long route: the δ lines it restates,
        with the output's and the target's nodes."""
        from ..losses import FUSED

        graph = self.graph
        if l != graph.depth or \
                (graph.activation(l).name, graph.problem.loss) not in FUSED:
            return None
        return {"deltas": deltas, "yhat": graph.vector("a", l, example=ex, step=step),
                "y": graph.vector("y", example=ex)}

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
        gradient_w, gradient_b = printer.gradient("W", l, version), \
            printer.gradient("b", l, version)
        mean = rf"\frac{{1}}{{{len(self.examples)}}} " \
            if graph.problem.reduction == "mean" else ""
        key = f"gradient:{step}:{l}"
        decayed = set(graph.problem.decayed())
        decay = any(e in decayed for row_ in weights for e in row_)  # + λW (L2)
        decay_terms = ([[rf" + \lambda {printer.vector('W', l, None, version)}"]], [[
            " + ", ("n", "weight_decay"), r" \cdot ",
            ("m", [[graph.parameter(e, step) if e in decayed else None for e in row_]
                   for row_ in weights])]]) if decay else ([], [])
        equations = []
        covered = {e: [graph.gradient(e, step, ex) for ex in
                       (self.examples if self.batch else [])] + [graph.gradient(e, step)]
                   for e in entries}
        if len(weights) * len(weights[0]) > 1:
            if self.batch:
                delta_n = printer.vector("delta", l, "n", version)
                input_n = printer.vector(*previous, "n", version, transpose=True)
                pieces = [[[rf"{mean}\sum_{{n}} {delta_n} {input_n}"], *decay_terms[0]],
                          [[("m", grad)]]]
            else:
                delta = printer.vector("delta", l, single, version)
                input_t = printer.vector(*previous, single, version, transpose=True)
                pieces = [[[f"{delta} {input_t}"], *decay_terms[0]],
                          [[column(graph.vector("delta", l, example=single, step=step))],
                           [row(inputs)], *decay_terms[1]],
                          [[("m", grad)]]]
            equations.append(equation(key + ":W", gradient_w, pieces, [
                n for row_ in graph.weights(l) for e in row_ for n in covered.get(e, [])]))
        bias_entries = [e for e in biases if graph.gradient(e, step)]
        if len(bias_grad) > 1 and bias_entries:
            if graph.bias_kind(l) == "shared":
                mark = "[n]" if self.batch else ""
                bias = (rf"\sum_{{n,i}} \delta^{{({l}){mark}}}_i" if self.batch
                        else rf"\sum_i \delta^{{({l})}}_i")
            elif self.batch:
                bias = rf"{mean}\sum_n {printer.vector('delta', l, 'n', version)}"
            else:
                bias = printer.vector("delta", l, single, version)
            equations.append(equation(key + ":b", gradient_b, [[[bias]], [[("m", bias_grad)]]],
                                      [n for e in bias_entries for n in covered[e]]))
        return {
            "layer": l, "lines": lines, "rows": len(weights), "cols": len(weights[0]),
            "output": l == graph.depth, "batch": self.batch,
            "shared_bias": graph.bias_kind(l) == "shared",
            "has_bias": any(graph.gradient(e, step) for e in biases),
            "decay": decay,
            "W": gradient_w, "b": gradient_b, "equations": equations}

    def _update(self, step: int, l: int) -> dict:
        """θ ← θ − η ∂L/∂θ for layer l, as matrices and entry by entry."""
        graph, printer, version = self.graph, self.printer, step - 1
        weights, biases = graph.weights(l), graph.biases(l)
        grad, bias_grad = self._gradient_grids(step, l)

        def new(kind):
            return self._vector(kind, l, None, step)

        def values(rows, during):
            return [[graph.parameter(e, during) for e in row] for row in rows]

        key = f"update:{step}:{l}"
        equations = []
        matrices = (("W", weights, grad), ("b", [[e] for e in biases], bias_grad))
        for kind, grid, gradients in matrices if self.optimizer == "sgd" else ():
            updated = [n for n in (graph.updated(e, step) for r in grid for e in r) if n]
            if len(grid) * len(grid[0] if grid else []) <= 1 or not updated:
                continue
            old, gradient = printer.vector(kind, l, None, version), \
                printer.gradient(kind, l, version)
            equations.append(equation(key + ":" + kind, new(kind), [
                [[f"{old} - \\eta\\, {gradient}"]],
                [[("m", values(grid, step))], [" - ", ("n", "lr"), r" \cdot ",
                                                 ("m", gradients)]],
                [[("m", values(grid, step + 1))]]], updated))
        states = [graph.state(kind, e, step) for e in self._entries(l)
                  for kind in ("velocity", "m", "v", "mhat", "vhat")]
        return {
            "layer": l, "rows": len(weights), "cols": len(weights[0]),
            "has_bias": any(graph.gradient(e, step) for e in biases),
            "states": [n for n in states if n],  # the optimiser's lines before θ's
            "lines": [n for n in (graph.updated(e, step) for e in self._entries(l)) if n],
            "equations": equations}

    def as_dict(self) -> dict:
        return {"steps": self.steps, "after": self.after, "after_total": self.after_total,
                "after_penalty": self.after_penalty,
                "final_loss": self.final_loss, "examples": self.examples}
