"""Disclosure control (KPIS.md "Disclosure control"): the one place that decides which counts
of one filter are hidden.

Everything the dashboard publishes for one filter (every page, table, chart, download, the print
report and `kim report`) takes its counts from one `Disclosure`, computed from a `Book`:

- `Book.cells`: every published count under a key (a tuple such as ("cl", "active", "G",
  "05558004"): caseload, metric, level, Gemeinde), exact;
- `Book.latent`: counts that are not published but tie published ones together (the
  transitions of a month that are neither Bleiberecht nor Einbürgerung); lower bound 0;
- `Book.groups`: the equations a reader can write down, a total equal to the sum of its parts
  (Kreis and Bezirke, a Bezirk and its Gemeinden, a Gemeinde and its case managers with "ohne
  Case Manager", flows and their total, months and the period, reasons and the closed cases …).

`protect(book, k)` applies primary suppression (1 … K-1) and then secondary suppression:
in every group where a hidden count could be worked out, or narrowed to fewer than K - 1
values, the smallest further non-zero part is hidden (the total when no part is left), until
no group gives a count away; then every connected set of equations with a hidden count is
checked by linear programming (SciPy's HiGHS, `bounds`), and where a count is still narrowed
down, a further cell of its groups is hidden and the check runs again. A hidden count is at
least 1 (zero is shown); a reader knows that.

`Disclosure.show(key, n)` is what every figure function returns for a count: n, or None.
The same test is the audit's (queries/audit.py), which works on the published values only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

Key = tuple

# conn.info key: a callable f -> Disclosure the dashboard installs on a request's connection
# (dashboard/data.py), so the Disclosure of a filter comes from its cache and is computed once.
PROVIDER = "kim_disclosure_provider"
# conn.info key: {filter: Disclosure} while `session(conn)` is open (kim report, kim audit).
MEMO = "kim_disclosure_memo"

MARK = "•"
LEGEND = "• geheim gehalten: kleine Zahl oder daraus berechenbar"
TOTAL_NOTE = ("Auch eine Summe kann geheim gehalten sein, wenn sich sonst eine kleine Zahl aus "
              "ihr und den übrigen Zahlen berechnen ließe.")


@dataclass(frozen=True)
class Group:
    """total = sum(parts), as a reader of the published tables can write it down."""

    total: Key
    parts: tuple[Key, ...]
    name: str = ""


@dataclass
class Book:
    """The exact counts one filter publishes, the latent counts and the equations between them."""

    cells: dict[Key, int] = field(default_factory=dict)
    latent: dict[Key, int] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)

    def add(self, key: Key, n: int) -> Key:
        n = int(n)
        old = self.cells.get(key)
        if old is not None and old != n:
            raise ValueError(f"count {key} published twice with different values: {old}, {n}")
        self.cells[key] = n
        return key

    def add_latent(self, key: Key, n: int) -> Key:
        self.latent[key] = int(n)
        return key

    def group(self, total: Key, parts: Iterable[Key], name: str = "") -> None:
        parts = tuple(parts)
        if parts:
            self.groups.append(Group(total, parts, name))

    def value(self, key: Key) -> int:
        return self.cells[key] if key in self.cells else self.latent[key]


@dataclass(frozen=True)
class Disclosure:
    """Which published counts of one filter are hidden (primary and secondary alike)."""

    min_cell: int
    hidden: frozenset = frozenset()
    known: frozenset = frozenset()

    def show(self, key: Key, n: int | None) -> int | None:
        """The count as it may be published: None when hidden. A key the Book does not know
        gets primary suppression only (every count the pages show is in the Book; tests check)."""
        if n is None:
            return None
        if self.min_cell <= 1:
            return n
        if key in self.hidden:
            return None
        if key not in self.known and 1 <= n < self.min_cell:
            return None
        return n

    def is_hidden(self, key: Key) -> bool:
        return key in self.hidden


def primary(n: int, k: int) -> bool:
    return 1 <= n < k


# --- secondary suppression -----------------------------------------------------------------------


def protect(book: Book, k: int, *, lp_rounds: int = 200) -> Disclosure:
    """Primary, then secondary suppression over all groups of the book (see the module text)."""
    known = frozenset(book.cells)
    if k <= 1:
        return Disclosure(k, frozenset(), known)
    hidden = {key for key, n in book.cells.items() if primary(n, k)}
    if not hidden:
        return Disclosure(k, frozenset(), known)
    by_cell: dict[Key, list[Group]] = {}
    for g in book.groups:
        for key in (g.total, *g.parts):
            by_cell.setdefault(key, []).append(g)
    _group_rule(book, k, hidden, book.groups, by_cell)
    memo: dict = {}
    for _ in range(lp_rounds):
        found = bounds(book, hidden, memo=memo, spread=k - 2)
        failing = sorted((key for key, (lo, hi) in found.items()
                          if key in book.cells and _values(lo, hi) < k - 1),
                         key=lambda c: (book.cells[c], repr(c)))
        if not failing:
            break
        added = False
        touched: set[int] = set()  # groups that got a newly hidden cell in this round
        for key in failing:
            if any(id(g) in touched for g in by_cell.get(key, [])):
                continue  # its equations changed: solve again before hiding more
            cell = _nearest_to_hide(book, hidden, key, by_cell)
            if cell is not None:
                hidden.add(cell)
                touched.update(id(g) for g in by_cell.get(cell, []))
                touched.update(id(g) for g in by_cell.get(key, []))
                added = True
        if not added:
            raise RuntimeError("secondary suppression found no further cell to hide")
        _group_rule(book, k, hidden, book.groups, by_cell)
    return Disclosure(k, frozenset(hidden), known)


def _values(lo: float, hi: float) -> float:
    return math.inf if hi == math.inf else hi - lo + 1


def _unknown(book: Book, hidden: set, key: Key) -> bool:
    return key in hidden or key in book.latent


def group_leaks(book: Book, k: int, hidden: set, g: Group) -> bool:
    """True when this equation alone gives a hidden count away or narrows it below K-1 values."""
    cells = (g.total, *g.parts)
    unknown = [c for c in cells if _unknown(book, hidden, c)]
    published_hidden = [c for c in unknown if c in hidden]
    if not published_hidden:
        return False
    if len(unknown) == 1:
        return True
    if g.total in unknown:
        return False  # the total and a part unknown: this equation alone bounds nothing above
    rest = book.cells[g.total] - sum(book.cells[c] for c in g.parts if c not in unknown)
    lower = {c: (0 if c in book.latent else 1) for c in unknown}
    for c in published_hidden:
        count = rest - sum(lower[o] for o in unknown if o != c)  # values 1 … count
        if count < k - 1:
            return True
    return False


def _next_to_hide(book: Book, hidden: set, groups: Iterable[Group]) -> Key | None:
    """The smallest non-zero shown part of these groups; their smallest shown total if none."""
    groups = list(groups)
    parts = [c for g in groups for c in g.parts
             if c in book.cells and c not in hidden and book.cells[c] > 0]
    if parts:
        return min(parts, key=lambda c: (book.cells[c], repr(c)))
    totals = [g.total for g in groups
              if g.total in book.cells and g.total not in hidden and book.cells[g.total] > 0]
    if totals:
        return min(totals, key=lambda c: (book.cells[c], repr(c)))
    return None


def _nearest_to_hide(book: Book, hidden: set, key: Key, by_cell) -> Key | None:
    """The cell to hide for a count the equations still narrow down: the smallest non-zero
    shown cell of its groups, else of the groups of the unknown cells they hold, and so on
    outwards through the equations (breadth first)."""
    seen_cells = {key}
    frontier = [key]
    seen_groups: set[int] = set()
    while frontier:
        groups = []
        for cell in frontier:
            for g in by_cell.get(cell, []):
                if id(g) not in seen_groups:
                    seen_groups.add(id(g))
                    groups.append(g)
        found = _next_to_hide(book, hidden, groups)
        if found is not None:
            return found
        frontier = []
        for g in groups:
            for cell in (g.total, *g.parts):
                if cell not in seen_cells and _unknown(book, hidden, cell):
                    seen_cells.add(cell)
                    frontier.append(cell)
    return None


def _group_rule(book: Book, k: int, hidden: set, groups: list[Group], by_cell) -> None:
    pending = list(groups)
    while pending:
        g = pending.pop()
        while group_leaks(book, k, hidden, g):
            cell = _next_to_hide(book, hidden, [g])
            if cell is None:
                break
            hidden.add(cell)
            pending.extend(by_cell.get(cell, []))


# --- the bounds of hidden counts, by linear programming -------------------------------------------


def bounds(book: Book, hidden: set | None = None,
           values: dict[Key, int | None] | None = None, *,
           memo: dict | None = None, spread: int | None = None
           ) -> dict[Key, tuple[float, float]]:
    """Smallest and largest value of every hidden count given what is published: the shown
    counts, every equation, hidden counts >= 1 and latent ones >= 0. Either a book with the set
    of hidden keys, or `values` (key -> published value or None) with `book` giving the groups
    and latent keys (the audit's way: it knows nothing but the published values).

    The equations with an unknown fall apart into connected sets; each is solved on its own
    (one equation without a solver), and `memo` keeps the solution of a set that has not
    changed (protect() solves again after every newly hidden cell). With `spread`, a count whose
    range is seen to be at least that wide is not solved for: its bounds are then the range
    seen, narrower than the true one (enough to know it is safe)."""
    system = equations_of(book, hidden, values)
    variables, equations, lower, published = system
    out: dict[Key, tuple[float, float]] = {}
    for component in _components(len(variables), equations):
        wanted = [i for i in sorted(component) if published[i]]
        if not wanted:
            continue
        eqs = [e for e in equations if next(iter(e[0])) in component]
        signature = repr(sorted(
            (sorted((repr(variables[j]), a) for j, a in c.items()), r) for c, r in eqs))
        if memo is not None and signature in memo:
            out.update(memo[signature])
            continue
        solved = _solve(sorted(component), eqs, lower, wanted, variables, spread)
        if memo is not None:
            memo[signature] = solved
        out.update(solved)
    for i, c in enumerate(variables):
        if published[i]:
            out.setdefault(c, (1.0, math.inf))  # in no equation
    return out


def equations_of(book: Book, hidden: set | None, values: dict[Key, int | None] | None):
    """(variables, equations as ({variable index: ±1}, right-hand side), lower bounds, whether
    each variable is a published hidden count) of the published equations."""
    if values is None:
        values = {c: (None if c in hidden else n) for c, n in book.cells.items()}
    unknown = [c for c, v in values.items() if v is None]
    latent = [c for c in book.latent if c not in values]
    variables = unknown + latent
    index = {c: i for i, c in enumerate(variables)}
    equations = []
    for g in book.groups:
        coeffs: dict[int, int] | None = {}
        rhs = 0
        for sign, c in ((1, g.total), *((-1, p) for p in g.parts)):
            if c in index:
                coeffs[index[c]] = coeffs.get(index[c], 0) + sign
            elif c in values:
                rhs -= sign * values[c]
            else:
                coeffs = None  # a cell nobody publishes: this equation says nothing
                break
        if coeffs:
            equations.append((coeffs, rhs))
    lower = [1] * len(unknown) + [0] * len(latent)
    published = [True] * len(unknown) + [False] * len(latent)
    return variables, equations, lower, published


def _components(n: int, equations) -> list[set[int]]:
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for coeffs, _rhs in equations:
        first, *rest = coeffs
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[int, set[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), set()).add(i)
    return list(groups.values())


def _solve(members, equations, lower, wanted, variables, spread=None
           ) -> dict[Key, tuple[float, float]]:
    if not equations:
        return {variables[i]: (float(lower[i]), math.inf) for i in wanted}
    if len(equations) == 1:
        return _one_equation(equations[0], lower, wanted, variables)
    return _solve_lp(members, equations, lower, wanted, variables, spread)


def _solve_lp(members, equations, lower, wanted, variables, spread=None
              ) -> dict[Key, tuple[float, float]]:
    """Largest and smallest value of each wanted variable under the equations, by linear
    programming with HiGHS (highspy): one model per connected set of equations, solved again
    for each variable and direction from the previous basis (warm start), which is what makes
    secondary suppression fast enough for a page request (SciPy's linprog builds the model anew
    for every one of the hundreds of solves)."""
    import highspy
    import numpy as np

    # highspy._Highs is the solver itself; its subclass highspy.Highs prints a banner to standard
    # output when it is created, which would end up in `kim report --format json`.
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # re-solves start from the last basis; presolve would not
    h.setOptionValue("solver", "simplex")
    position = {i: j for j, i in enumerate(members)}
    n = len(members)
    h.addVars(n, np.array([float(lower[i]) for i in members]), np.full(n, highspy.kHighsInf))
    for coeffs, rhs in equations:
        index = np.array([position[i] for i in coeffs], dtype=np.int32)
        value = np.array([float(a) for a in coeffs.values()])
        h.addRow(float(rhs), float(rhs), len(index), index, value)
    everything = np.arange(n, dtype=np.int32)
    # Every solution is a point the published numbers allow: the range seen over those points is
    # a lower bound of each variable's range, and once it is `spread` wide the variable needs no
    # solve of its own (most do not, which keeps secondary suppression fast).
    seen_lo = np.full(n, np.inf)
    seen_hi = np.full(n, -np.inf)
    out = {}
    status = highspy.HighsModelStatus

    def solve(j: int, sense) -> float | None:
        cost = np.zeros(n)
        cost[j] = 1.0
        h.changeColsCost(n, everything, cost)
        h.changeObjectiveSense(sense)
        h.run()
        if h.getModelStatus() != status.kOptimal:
            return None  # unbounded (or numbers that contradict each other)
        point = np.asarray(h.getSolution().col_value)
        np.minimum(seen_lo, point, out=seen_lo)
        np.maximum(seen_hi, point, out=seen_hi)
        return h.getInfo().objective_function_value

    for i in wanted:
        j = position[i]
        if spread is not None and seen_hi[j] - seen_lo[j] >= spread - 1e-6:
            out[variables[i]] = (float(math.ceil(seen_lo[j] - 1e-6)),
                                 float(math.floor(seen_hi[j] + 1e-6)))
            continue
        top = solve(j, highspy.ObjSense.kMaximize)
        if top is None:
            out[variables[i]] = (float(lower[i]), math.inf)
            continue
        hi = math.floor(top + 1e-6)
        low = solve(j, highspy.ObjSense.kMinimize)
        lo = lower[i] if low is None else max(lower[i], math.ceil(low - 1e-6))
        out[variables[i]] = (float(lo), float(hi))
    return out


def _one_equation(equation, lower, wanted, variables) -> dict[Key, tuple[float, float]]:
    """sum(a_i x_i) = rhs with a_i = ±1 and x_i >= lower_i: exact bounds without a solver.

    x_i = a_i·rhs - sum(same side x_j) + sum(other side x_j): no upper bound when a variable
    stands on the other side; as small as lower_i when another stands on the same side."""
    coeffs, rhs = equation
    out = {}
    for i in wanted:
        a = coeffs[i]
        same = [j for j, b in coeffs.items() if j != i and b == a]
        other = [j for j, b in coeffs.items() if b != a]
        base = a * rhs
        top = math.inf if other else base - sum(lower[j] for j in same)
        low = lower[i] if same else max(lower[i], base + sum(lower[j] for j in other))
        out[variables[i]] = (float(low), float(top))
    return out


# --- the Disclosure of one filter ----------------------------------------------------------------


def for_filter(conn: Connection, f) -> Disclosure:
    """The Disclosure of filter f: from the dashboard's cache when it installed a provider on
    the connection, from the open session's memo, or computed here."""
    provider: Callable | None = conn.info.get(PROVIDER)
    if provider is not None:
        return provider(f)
    memo = conn.info.get(MEMO)
    if memo is None:
        # One computation per filter for as long as this Connection object lives (one `with
        # engine.connect()` block: a command, a test); conn.info would outlive it in the pool.
        memo = conn.__dict__.setdefault("_kim_disclosure_memo", {})
    if f not in memo:
        memo[f] = compute(conn, f)
    return memo[f]


def forget(conn: Connection) -> None:
    """Drop the Disclosures computed on this connection (after it wrote new data)."""
    conn.__dict__.pop("_kim_disclosure_memo", None)
    memo = conn.info.get(MEMO)
    if memo is not None:
        memo.clear()


# The function that collects every count a filter publishes: queries/published.py's book_for,
# which registers itself when it is imported (queries/__init__.py imports it). It is handed in
# rather than imported here because published.py reads the figure modules (caseload, outcomes,
# transitions), which take their Disclosure from this module: no import cycle in queries/.
_book_for: Callable[[Connection, object], Book] | None = None


def register_book(book_for: Callable[[Connection, object], Book]) -> None:
    global _book_for
    _book_for = book_for


def compute(conn: Connection, f) -> Disclosure:
    """Collect every count filter f publishes (queries/published.py) and protect them."""
    if f.min_cell <= 1:  # nothing is hidden: no need to collect anything
        return Disclosure(f.min_cell)
    if _book_for is None:
        raise RuntimeError("queries.published is not imported: no Book for disclosure control")
    return protect(_book_for(conn, f), f.min_cell)


class session:  # noqa: N801 - used as `with disclosure.session(conn):`
    """Within the block, a filter's Disclosure is computed once on this connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def __enter__(self):
        self.owner = MEMO not in self.conn.info
        if self.owner:
            self.conn.info[MEMO] = {}
        return self.conn

    def __exit__(self, *_exc):
        if self.owner:
            self.conn.info.pop(MEMO, None)
