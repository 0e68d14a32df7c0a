"""A whitelist expression language shared by sources, with two backends.

Source text is parsed with Python's `ast` parser (parsing never runs code) and
then walked by our own interpreter, which only knows the node types, names and
functions listed here. The *exact* backend builds sympy objects for answers;
the *numeric* backend computes with numpy so checks are independent of sympy.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ankigen.errors import ItemError

MAX_EXPR_CHARS = 2000
MAX_DEPTH = 60
MAX_INT_DIGITS = 60


_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.Call, ast.Name, ast.Constant, ast.List, ast.Tuple, ast.Subscript, ast.Slice,
    ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.Mod, ast.FloorDiv,
    ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)

_ALLOWED_TYPES = frozenset(_ALLOWED_NODES)
_LEAF_TYPES = frozenset(t for t in _ALLOWED_NODES
                        if issubclass(t, ast.operator | ast.unaryop | ast.boolop | ast.cmpop | ast.expr_context))

_NODE_NAMES = {
    ast.Attribute: "attribute access ('.')",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment (':=')",
    ast.ListComp: "list comprehension",
    ast.GeneratorExp: "generator expression",
    ast.DictComp: "dict comprehension",
    ast.SetComp: "set comprehension",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.Starred: "'*' unpacking",
    ast.JoinedStr: "f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.BitAnd: "'&'",
    ast.BitOr: "'|'",
    ast.BitXor: "'^' (write '**' for powers)",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.Invert: "'~'",
    ast.Add: "'+'",
    ast.Sub: "'-'",
    ast.Mult: "'*'",
    ast.Div: "'/'",
    ast.Pow: "'**'",
    ast.MatMult: "'@'",
    ast.Mod: "'%'",
    ast.FloorDiv: "'//'",
    ast.In: "'in'",
    ast.NotIn: "'not in'",
    ast.Is: "'is'",
    ast.IsNot: "'is not'",
}


@dataclass(frozen=True)
class Expr:
    """A parsed, structurally validated expression."""

    text: str
    tree: ast.Expression
    names: frozenset[str]  # free names, not counting function names
    calls: frozenset[str]  # function names called


def _describe(node: ast.AST) -> str:
    for cls, name in _NODE_NAMES.items():
        if isinstance(node, cls):
            return name
    return type(node).__name__


def parse(text: object) -> Expr:
    """Parse and structurally validate an expression (no names resolved yet)."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ItemError(f"expected an expression, got {type(text).__name__}",
                        "write the expression as a string or a number")
    source = str(text).strip()
    if not source:
        raise ItemError("empty expression", "write an expression")
    if len(source) > MAX_EXPR_CHARS:
        raise ItemError(f"expression is longer than {MAX_EXPR_CHARS} characters",
                        "split it into several derived values")
    return _parse_source(source)


@lru_cache(maxsize=8192)
def _parse_source(source: str) -> Expr:
    """Sources repeat many small expressions (x, a*b, ...): parse each text once."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ItemError(f"cannot parse expression '{source}': {e.msg}{col}",
                        "check brackets and operators") from e
    except (ValueError, MemoryError, RecursionError) as e:
        raise ItemError(f"cannot parse expression '{source}'", "simplify it") from e
    names: set[str] = set()
    calls: set[str] = set()
    _visit(tree, 0, names, calls)
    return Expr(source, tree, frozenset(names), frozenset(calls))


def _visit(node: ast.AST, depth: int, names: set[str], calls: set[str]) -> None:
    """Refuse what the language does not have; collect the free names and called functions."""
    if depth > MAX_DEPTH:
        raise ItemError("expression is nested too deeply", "split it into derived values")
    kind = type(node)
    if kind not in _ALLOWED_TYPES:
        raise ItemError(f"{_describe(node)} is not allowed in expressions",
                        "use only numbers, names, operators and the listed functions")
    if kind in _LEAF_TYPES:  # operators and contexts: nothing below them
        return
    if isinstance(node, ast.Constant):
        _check_constant(node.value)
        return
    children: list[ast.AST]
    if isinstance(node, ast.Call):
        calls.add(_call_name(node))
        children = list(node.args)
    else:
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ItemError(f"name '{node.id}' is not allowed (names may not start with '_')", "rename it")
            names.add(node.id)
        children = _children(node)
    for child in children:
        _visit(child, depth + 1, names, calls)


def _children(node: ast.AST) -> list[ast.AST]:
    """ast.iter_child_nodes as a list, without its generator overhead."""
    out: list[ast.AST] = []
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, ast.AST):
            out.append(value)
        elif isinstance(value, list):
            out.extend(item for item in value if isinstance(item, ast.AST))
    return out


def _check_constant(v: object) -> None:
    if isinstance(v, bool) or v is None or not isinstance(v, int | float):
        raise ItemError(f"constant {v!r} is not allowed", "use numbers only")
    if isinstance(v, int) and len(str(abs(v))) > MAX_INT_DIGITS:
        raise ItemError(f"integer literal has more than {MAX_INT_DIGITS} digits", "use a smaller number")


def _call_name(node: ast.Call) -> str:
    if not isinstance(node.func, ast.Name):
        raise ItemError("only named functions can be called, like det(A)",
                        "write f(x) with f one of the listed functions")
    if node.keywords:
        raise ItemError(f"keyword arguments are not allowed in {node.func.id}(...)", "pass arguments by position")
    return node.func.id


def suggest(name: str, known: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


FUNCTION_LIST = 'see the function list in docs/authoring.md, "Expression functions"'

# Names authors reach for that mean a listed function: other libraries' names, longer
# names, and the other backend's name (derived values are exact, checks numeric). Spelling
# by similarity alone would turn 'dotprod' into 'prod' and 'inner' into 'numer'.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("dot", "dotprod", "dotproduct", "inner", "innerprod", "innerproduct", "vdot", "scalarproduct"),
    ("T", "transpose"), ("det", "determinant"), ("inv", "inverse"), ("log", "ln"),
    ("prod", "product"), ("mean", "average", "avg"), ("abs", "absolute", "fabs"),
    ("integrate", "quad", "integral"), ("summation", "nsum"), ("diff", "fdiff", "derivative"),
    ("gradient", "fgrad", "grad"), ("hessian", "fhess", "hess"), ("jacobian", "fjac", "jac"),
    ("binomial", "comb", "choose", "ncr"), ("ceiling", "ceil"),
    ("eigenvalues", "eigvals", "eig", "eigs"), ("atan", "arctan"), ("asin", "arcsin"), ("acos", "arccos"),
)
_SYNONYM_OF = {name.lower(): group for group in SYNONYMS for name in group}


def function_hint(name: str, known: Collection[str]) -> str:
    """How to fix an unknown function: a function of the same meaning, a close spelling
    (difflib, the cutoff that fixes most one-letter typos), or where the list is."""
    group = _SYNONYM_OF.get(name.lower().replace("_", ""), ())
    same = next((g for g in group if g in known and g != name), None)
    if same is None:
        lowered = {k.lower(): k for k in sorted(known)}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        same = lowered[close[0]] if close else None
    return f"did you mean '{same}'?" if same else FUNCTION_LIST


# --------------------------------------------------------------------------
# Evaluation

SpecialForm = Callable[["Evaluator", list[ast.expr]], Any]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.MatMult: operator.matmul, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv,
}


class Backend:
    """Functions, constants and arithmetic of one evaluation mode."""

    functions: Mapping[str, Callable[..., Any]] = {}
    constants: Mapping[str, Any] = {}
    special: Mapping[str, SpecialForm] = {}  # forms that receive their arguments unevaluated

    def number(self, value: int | float) -> Any:
        raise NotImplementedError

    def power(self, base: Any, exp: Any) -> Any:
        raise NotImplementedError

    def compare(self, op: ast.cmpop, a: Any, b: Any) -> bool:
        raise NotImplementedError

    def check_operands(self, op: ast.AST, left: Any, right: Any) -> None:
        """Refuse an operation whose result would be too large, before computing it."""

    def truth(self, value: Any) -> bool:
        return bool(value)


class Evaluator:
    """Walks a validated tree with one backend and one namespace."""

    def __init__(self, backend: Backend, namespace: Mapping[str, Any]):
        self.backend = backend
        self.namespace: dict[str, Any] = dict(namespace)

    def eval(self, expr: Expr) -> Any:
        try:
            return self.node(expr.tree.body)
        except ItemError:
            raise
        except RecursionError as e:
            raise ItemError("expression is nested too deeply", "simplify it") from e
        except (ZeroDivisionError, ValueError, TypeError, ArithmeticError, IndexError,
                KeyError, NotImplementedError, AttributeError) as e:
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ItemError(f"evaluating '{expr.text}' failed: {msg}",
                            "check the values it is applied to") from e

    def holds(self, expr: Expr) -> bool:
        """Whether a condition (a constraint, a check's `holds`) is true."""
        return self.backend.truth(self.eval(expr))

    def with_bindings(self, bindings: Mapping[str, Any]) -> Evaluator:
        child = Evaluator(self.backend, self.namespace)
        child.namespace.update(bindings)
        return child

    def node(self, node: ast.expr) -> Any:
        """The value of one node of a parsed tree: special forms evaluate their arguments here."""
        visit = _VISIT.get(type(node))
        if visit is None:
            raise ItemError(f"{_describe(node)} is not allowed in expressions")
        return visit(self, node)

    def _constant(self, node: ast.Constant) -> Any:
        return self.backend.number(node.value)  # type: ignore[arg-type]  # validated in parse()

    def _name(self, node: ast.Name) -> Any:
        if node.id in self.namespace:
            value = self.namespace[node.id]
            return value.bind(self.namespace) if isinstance(value, Bound) else value
        constants = self.backend.constants
        if node.id in constants:
            return constants[node.id]
        raise ItemError(f"unknown name '{node.id}'", suggest(node.id, sorted(set(self.namespace) | set(constants))))

    def _binop(self, node: ast.BinOp) -> Any:
        left, right = self.node(node.left), self.node(node.right)
        op = node.op
        if isinstance(left, list | tuple | str) or isinstance(right, list | tuple | str):
            raise ItemError(f"operator {_describe(op)} cannot be applied to a list",
                            "use vec([...]) or Matrix([...]) for vectors and matrices")
        self.backend.check_operands(op, left, right)
        if isinstance(op, ast.Pow):
            return self.backend.power(left, right)
        fn = _BINARY.get(type(op))
        if fn is None:
            raise ItemError(f"operator {_describe(op)} is not allowed")
        return fn(left, right)

    def _unaryop(self, node: ast.UnaryOp) -> Any:
        v = self.node(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return v
        if isinstance(node.op, ast.Not):
            return not self.backend.truth(v)
        raise ItemError(f"operator {_describe(node.op)} is not allowed")

    def _boolop(self, node: ast.BoolOp) -> bool:
        truth = self.backend.truth
        if isinstance(node.op, ast.And):
            return all(truth(self.node(v)) for v in node.values)
        return any(truth(self.node(v)) for v in node.values)

    def _compare(self, node: ast.Compare) -> bool:
        left = self.node(node.left)
        for cmp, comp in zip(node.ops, node.comparators, strict=True):
            right = self.node(comp)
            if not self.backend.compare(cmp, left, right):
                return False
            left = right
        return True

    def _ifexp(self, node: ast.IfExp) -> Any:
        return self.node(node.body) if self.backend.truth(self.node(node.test)) else self.node(node.orelse)

    def _sequence(self, node: ast.List | ast.Tuple) -> list[Any]:
        return [self.node(e) for e in node.elts]

    def _subscript(self, node: ast.Subscript) -> Any:
        target = self.node(node.value)
        return target[self._index(node.slice)]

    def _call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        fname = node.func.id
        b = self.backend
        form = b.special.get(fname)
        if form is not None:
            return form(self, node.args)
        fn = b.functions.get(fname)
        if fn is None:
            raise ItemError(f"unknown function '{fname}'", function_hint(fname, set(b.functions) | set(b.special)))
        return fn(*[self.node(a) for a in node.args])

    def _index(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Tuple):
            return tuple(self._index(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            parts = [None if p is None else int(self.node(p)) for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        v = self.node(node)
        try:
            return int(v)
        except (TypeError, ValueError) as e:
            raise ItemError(f"index {v} is not an integer") from e


_VISIT: dict[type[ast.AST], Callable[[Evaluator, Any], Any]] = {
    ast.Constant: Evaluator._constant, ast.Name: Evaluator._name, ast.BinOp: Evaluator._binop,
    ast.UnaryOp: Evaluator._unaryop, ast.BoolOp: Evaluator._boolop, ast.Compare: Evaluator._compare,
    ast.IfExp: Evaluator._ifexp, ast.List: Evaluator._sequence, ast.Tuple: Evaluator._sequence,
    ast.Subscript: Evaluator._subscript, ast.Call: Evaluator._call,
}


class Bound:
    """A namespace entry whose value depends on other bindings (a function of symbols)."""

    def bind(self, namespace: Mapping[str, Any]) -> Any:
        raise NotImplementedError
