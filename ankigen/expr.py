"""A whitelist expression language shared by sources, with two backends.

Source text is parsed with Python's `ast` parser (parsing never runs code) and
then walked by our own interpreter, which only knows the node types, names and
functions listed here. The *exact* backend builds sympy objects for answers;
the *numeric* backend computes with numpy so checks are independent of sympy.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ankigen.errors import ItemError

MAX_EXPR_CHARS = 2000
MAX_DEPTH = 60
MAX_INT_DIGITS = 60
MAX_POW_EXPONENT = 512
MAX_FACTORIAL = 300
MAX_MATRIX = 12
MAX_RANGE = 10_000


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

    def visit(node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ItemError("expression is nested too deeply", "split it into derived values")
        kind = type(node)
        if kind not in _ALLOWED_TYPES:
            raise ItemError(f"{_describe(node)} is not allowed in expressions",
                            "use only numbers, names, operators and the listed functions")
        if kind in _LEAF_TYPES:  # operators and contexts: nothing below them
            return
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or v is None or not isinstance(v, int | float):
                raise ItemError(f"constant {v!r} is not allowed", "use numbers only")
            if isinstance(v, int) and len(str(abs(v))) > MAX_INT_DIGITS:
                raise ItemError(f"integer literal has more than {MAX_INT_DIGITS} digits",
                                "use a smaller number")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ItemError("only named functions can be called, like det(A)",
                                "write f(x) with f one of the listed functions")
            if node.keywords:
                raise ItemError(f"keyword arguments are not allowed in {node.func.id}(...)",
                                "pass arguments by position")
            calls.add(node.func.id)
            for a in node.args:
                visit(a, depth + 1)
            return
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ItemError(f"name '{node.id}' is not allowed (names may not start with '_')",
                                "rename it")
            names.add(node.id)
        for field in node._fields:  # ast.iter_child_nodes, without its generator overhead
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                visit(value, depth + 1)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item, depth + 1)

    visit(tree, 0)
    return Expr(source, tree, frozenset(names), frozenset(calls))


def suggest(name: str, known: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


# --------------------------------------------------------------------------
# Evaluation


class Backend:
    """Functions, constants and arithmetic of one evaluation mode."""

    name = "abstract"
    functions: Mapping[str, Callable[..., Any]] = {}
    constants: Mapping[str, Any] = {}
    special: frozenset[str] = frozenset()  # functions that receive unevaluated args

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

    def call_special(self, name: str, args: list[ast.expr], ev: Evaluator) -> Any:
        raise NotImplementedError


class Evaluator:
    """Walks a validated tree with one backend and one namespace."""

    def __init__(self, backend: Backend, namespace: Mapping[str, Any]):
        self.backend = backend
        self.namespace: dict[str, Any] = dict(namespace)

    def eval(self, expr: Expr) -> Any:
        try:
            return self._ev(expr.tree.body)
        except ItemError:
            raise
        except RecursionError as e:
            raise ItemError("expression is nested too deeply", "simplify it") from e
        except (ZeroDivisionError, ValueError, TypeError, ArithmeticError, IndexError,
                KeyError, NotImplementedError, AttributeError) as e:
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ItemError(f"evaluating '{expr.text}' failed: {msg}",
                            "check the values it is applied to") from e

    def with_bindings(self, bindings: Mapping[str, Any]) -> Evaluator:
        child = Evaluator(self.backend, self.namespace)
        child.namespace.update(bindings)
        return child

    def _ev(self, node: ast.expr) -> Any:
        b = self.backend
        if isinstance(node, ast.Constant):
            return b.number(node.value)  # type: ignore[arg-type]  # validated in parse()
        if isinstance(node, ast.Name):
            if node.id in self.namespace:
                value = self.namespace[node.id]
                if isinstance(value, LazyValue):
                    return value()
                if isinstance(value, Bound):
                    return value.bind(self.namespace)
                return value
            if node.id in b.constants:
                return b.constants[node.id]
            known = sorted(set(self.namespace) | set(b.constants))
            raise ItemError(f"unknown name '{node.id}'", suggest(node.id, known))
        if isinstance(node, ast.BinOp):
            left, right = self._ev(node.left), self._ev(node.right)
            op = node.op
            if isinstance(left, list | tuple | str) or isinstance(right, list | tuple | str):
                raise ItemError(f"operator {_describe(op)} cannot be applied to a list",
                                "use vec([...]) or Matrix([...]) for vectors and matrices")
            b.check_operands(op, left, right)
            if isinstance(op, ast.Add):
                return left + right
            if isinstance(op, ast.Sub):
                return left - right
            if isinstance(op, ast.Mult):
                return left * right
            if isinstance(op, ast.Div):
                return left / right
            if isinstance(op, ast.MatMult):
                return left @ right
            if isinstance(op, ast.Mod):
                return left % right
            if isinstance(op, ast.FloorDiv):
                return left // right
            if isinstance(op, ast.Pow):
                return b.power(left, right)
            raise ItemError(f"operator {_describe(op)} is not allowed")
        if isinstance(node, ast.UnaryOp):
            v = self._ev(node.operand)
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return v
            if isinstance(node.op, ast.Not):
                return not b.truth(v)
            raise ItemError(f"operator {_describe(node.op)} is not allowed")
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(b.truth(self._ev(v)) for v in node.values)
            return any(b.truth(self._ev(v)) for v in node.values)
        if isinstance(node, ast.Compare):
            left = self._ev(node.left)
            for cmp, comp in zip(node.ops, node.comparators, strict=True):
                right = self._ev(comp)
                if not b.compare(cmp, left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self._ev(node.body) if b.truth(self._ev(node.test)) else self._ev(node.orelse)
        if isinstance(node, ast.List | ast.Tuple):
            return [self._ev(e) for e in node.elts]
        if isinstance(node, ast.Subscript):
            target = self._ev(node.value)
            index = self._index(node.slice)
            return target[index]
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            fname = node.func.id
            if fname in b.special:
                return b.call_special(fname, node.args, self)
            fn = b.functions.get(fname)
            if fn is None:
                raise ItemError(f"unknown function '{fname}'",
                                suggest(fname, sorted(set(b.functions) | b.special)))
            return fn(*[self._ev(a) for a in node.args])
        raise ItemError(f"{_describe(node)} is not allowed in expressions")

    def _index(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Tuple):
            return tuple(self._index(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            parts = [None if p is None else int(self._ev(p)) for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        v = self._ev(node)
        try:
            return int(v)
        except (TypeError, ValueError) as e:
            raise ItemError(f"index {v} is not an integer") from e


class Bound:
    """A namespace entry whose value depends on other bindings (a function of symbols)."""

    def bind(self, namespace: Mapping[str, Any]) -> Any:
        raise NotImplementedError


class LazyValue:
    """A namespace entry computed on first use (used for numeric views of sympy values)."""

    def __init__(self, fn: Callable[[], Any]):
        self.fn = fn

    def __call__(self) -> Any:
        return self.fn()


def check_int_power(base: Any, exp: Any) -> None:
    """Refuse powers whose result would be astronomically large (they hang or eat memory)."""
    try:
        e = float(exp)
    except (TypeError, ValueError):
        return
    if abs(e) > MAX_POW_EXPONENT:
        shown = str(exp) if len(str(exp)) <= 40 else f"{str(exp)[:20]}… ({len(str(exp))} digits)"
        raise ItemError(f"exponent {shown} is larger than {MAX_POW_EXPONENT}",
                        "use a smaller exponent")
    try:
        bf = abs(float(base))
    except OverflowError:
        bf = math.inf
    except (TypeError, ValueError):
        return
    if math.isinf(bf) and abs(e) > 1:
        raise ItemError(f"a number with more than 308 digits raised to the power {exp}",
                        "use smaller numbers")
    if bf > 1 and abs(e) * math.log10(bf) > 400:
        raise ItemError(f"{base}**{exp} has more than 400 digits", "use smaller numbers")


def require_size(n: Any, cap: int, what: str) -> int:
    try:
        k = int(n)
    except (TypeError, ValueError) as e:
        raise ItemError(f"{what} must be an integer, got {n}") from e
    if abs(k) > cap:
        raise ItemError(f"{what} {k} is larger than the limit {cap}", "use a smaller value")
    return k
