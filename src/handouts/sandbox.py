"""A sealed, limited Jinja2 environment for clinic-supplied (untrusted) templates.

Jinja2's sandbox keeps a template away from Python's internals, not from the machine:
``{% for %}`` in ``{% for %}``, ``'x' * 10**9`` or a macro calling itself still hang or
exhaust memory. Here each render has budgets, kept in a ContextVar (renders in other
threads have their own), and every error is one line: ``file:line: what happened``.

A handout's XML is under 10,000 characters (about 7,000 in English), from a template
that loops over a few dozen items, so each limit is many times what a handout needs and
far below what hurts a shared server:

* ``output_chars`` 200,000: a render's output, counted as it streams and wherever output
  is captured (macros, blocks, ``{% set %}``, ``{% filter %}``, imports).
* ``loop_iterations`` 50,000: all ``{% for %}`` iterations of a render (nested, recursive,
  in macros); a handout does a few hundred.
* ``range_size`` 10,000: the longest ``range()``; a handout counts weeks or items.
* ``sequence_size`` 100,000: the longest string or list (characters or items, counted
  deep: ``[s, s]`` is twice ``s``; numbers in digits) one operator, filter or method call
  may make: estimated *before* it is made (``*``, ``**``, ``+``, ``%``, ``~``, ``format``,
  ``replace``, ``join``, ``indent``, ``wordwrap``, number arguments of ``str`` methods...)
  and checked on every result.
* ``recursion_depth`` 100: macros, ``caller()``, recursive loops and blocks calling each
  other; a handout nests a few levels.
* ``seconds`` 5.0: wall time, checked every 256 loop iterations and at every call and
  filter; a handout renders in about a millisecond.

Not supported: async environments, and bytecode caches (a cache shared with an unguarded
environment would load code without the guards).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import re
import time
import traceback
import types
from collections import abc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.environment import TemplateModule
from jinja2.filters import FILTERS
from jinja2.runtime import BlockReference, Context, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter, SecurityError
from jinja2.utils import Namespace
from markupsafe import Markup

from .errors import ContentError

__all__ = ["Limits", "TemplateLimitError", "environment", "load", "render"]


class TemplateLimitError(ContentError):
    """A template went over one of its :class:`Limits`."""


@dataclass(frozen=True)
class Limits:
    """Budgets of one render (the module docstring says why these numbers)."""

    output_chars: int = 200_000
    loop_iterations: int = 50_000
    range_size: int = 10_000
    sequence_size: int = 100_000
    recursion_depth: int = 100
    seconds: float = 5.0


class _Budget:
    """What one render has used so far."""

    __slots__ = ("limits", "deadline", "loops", "depth")

    def __init__(self, limits: Limits) -> None:
        self.limits, self.loops, self.depth = limits, 0, 0
        self.deadline = time.monotonic() + limits.seconds

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"template ran longer than {self.limits.seconds:g} seconds (limit); a handout takes milliseconds")


# Outside render() (constant folding while compiling, a bare generate()) each check gets
# a fresh budget: sizes and every single loop stay limited.
_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("handouts_template_budget", default=None)


def _size(obj: Any, limit: int) -> int:
    """Characters or items in ``obj`` counted deep, about what ``str(obj)`` costs; stops
    past ``limit``. A loop, not recursion: a deeply nested list cannot overflow it."""
    total, todo = 0, [obj]
    while todo and total <= limit:
        o = todo.pop()
        if isinstance(o, (str, bytes, range)):
            total += len(o)
        elif isinstance(o, int):
            total += o.bit_length() * 3 // 10 + 1  # decimal digits
        elif isinstance(o, (list, tuple)):
            total += len(o)
            todo.extend(o)
        elif isinstance(o, (dict, abc.Mapping)):
            total += len(o)
            todo += [*o.keys(), *o.values()]
        elif isinstance(o, (float, type(None))):
            total += 1
        elif isinstance(o, (abc.Set, abc.Sequence, abc.KeysView, abc.ValuesView, abc.ItemsView)):
            total += len(o)
            todo.extend(o)
        elif isinstance(o, Namespace):  # its repr shows its attributes
            total += 1
            todo.append(getattr(o, "_Namespace__attrs", None))
        else:  # str() of a module is its output, limited by make_module()
            total += len(str(o)) if isinstance(o, TemplateModule) else 1
    return total


def _over(size: int, limit: int, what: str) -> None:
    if size > limit:
        raise TemplateLimitError(f"{what} makes a string, list or number longer than {limit:,} (limit); a whole handout is under 10,000")


def _long_output(most: int) -> str:
    return f"template output is longer than {most:,} characters (limit); a handout's XML is under 10,000"


def _widths(digits: list[str], limit: int, what: str) -> int:
    """The widest of format widths and precisions; '*' (a width from the values) is refused."""
    if not digits:
        return 0
    if any(d == "*" or len(d) > 7 or int(d) > limit for d in digits):
        raise TemplateLimitError(f"{what} asks for a width over {limit:,} or a '*' width (limit)")
    return max(map(int, digits))


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")


def _percent(fmt: str, values: Any, limit: int, what: str) -> int:
    """Most that ``fmt % values`` can make: every field printing all values, padded."""
    if "%" not in fmt:
        return len(fmt)
    specs = _PERCENT.findall(fmt)
    return len(fmt) + len(specs) * (_size(values, limit) + _widths([d for spec in specs for d in spec if d], limit, what))


def _padded(s: Any, breaks: int, pad: Any) -> int:
    """Length of ``s`` with ``pad`` (a string, or a number of spaces) at ``breaks`` places."""
    return len(str(s)) + breaks * (pad if isinstance(pad, int) else len(str(pad or "")))


def _stored(value: Any, limit: int, what: str) -> Any:
    """A generator's items as a list, counted as they come: a filter or function that
    keeps them (list, sort, join, dict...) would otherwise hold them all unchecked."""
    if not isinstance(value, abc.Iterator) or isinstance(value, LoopContext):  # ``loop`` is one too
        return value
    items, total = [], 0
    for item in value:
        total += _size(item, limit)
        _over(total, limit, what)
        items.append(item)
    return items


# The most a built-in filter can make, from its arguments by parameter name.
_FILTER_SIZES: dict[str, Callable[[dict[str, Any], int], int]] = {
    "replace": lambda a, n: _padded(a["s"], str(a["s"]).count(str(a["old"])) if a["old"] else len(str(a["s"])) + 1, a["new"]),
    "join": lambda a, n: _size(a["value"], n) + len(str(a["d"])) * len(a["value"]),
    "indent": lambda a, n: _padded(a["s"], str(a["s"]).count("\n") + 1, a["width"]),
    "wordwrap": lambda a, n: _padded(a["s"], 2 * len(str(a["s"])) // max(a["width"], 1) + str(a["s"]).count("\n") + 1, a["wrapstring"] or "\n"),
    "center": lambda a, n: _padded(a["value"], 1, a["width"]),
    "format": lambda a, n: _percent(str(a["value"]), a["kwargs"] or a["args"], n, "the format filter"),
    "sum": lambda a, n: _size(a["iterable"], n) + _size(a["start"], n),
    "tojson": lambda a, n: _size(a["value"], n) * (1 + _padded("", 1, a["indent"])),
    "batch": lambda a, n: _size(a["value"], n) + (a["linecount"] if a["fill_with"] is not None else 0),
    "slice": lambda a, n: _size(a["value"], n) + a["slices"],
}


def _limited_filter(env: _Environment, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with time and sizes checked (filters are called directly, not via call())."""
    if getattr(func, "_sandbox_limited", False):
        return func
    estimate = _FILTER_SIZES.get(name) if func is FILTERS.get(name) else None
    signature = inspect.signature(func) if estimate else None

    @functools.wraps(func)  # keeps jinja_pass_arg
    def limited(*args: Any, **kwargs: Any) -> Any:
        n, what = env.limits.sequence_size, f"the {name} filter"
        (_BUDGET.get() or _Budget(env.limits)).tick()
        args = tuple([_stored(a, n, what) for a in args])
        try:
            bound = signature.bind(*args, **kwargs) if estimate and signature else None
        except TypeError:
            bound = None  # the filter reports its own wrong arguments
        if estimate and bound:
            bound.apply_defaults()
            _over(estimate(bound.arguments, n), n, what)
        result = func(*args, **kwargs)
        _over(_size(result, n), n, what)
        return result

    limited._sandbox_limited = True  # type: ignore[attr-defined]
    return limited


class _Filters(dict):  # type: ignore[type-arg]
    """``env.filters`` that limits every filter put in it, also ones added later."""

    def __init__(self, env: _Environment, filters: dict[str, Any]) -> None:
        super().__init__()
        self._env = env
        self.update(filters)

    def __setitem__(self, name: str, func: Any) -> None:
        super().__setitem__(name, _limited_filter(self._env, name, func))

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for name, func in dict(*args, **kwargs).items():
            self[name] = func


class _Formatter(SandboxedFormatter):
    """The sandbox's ``str.format``, with widths and the total length limited."""

    def __init__(self, env: jinja2.Environment, limit: int, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._limit, self._total = limit, 0  # one formatter per call

    def format_field(self, value: Any, format_spec: str) -> str:
        _widths(re.findall(r"\d+", format_spec), self._limit, "format()")  # nested {} are filled in by now
        text = super().format_field(value, format_spec)
        self._total += len(text)
        _over(self._total, self._limit, "format()")
        return text


class _EscapeFormatter(_Formatter, SandboxedEscapeFormatter):
    pass


class _Output(list):  # type: ignore[type-arg]
    """Output a macro, ``{% set %}`` or ``{% filter %}`` block... captures, counted as it
    grows: a loop could otherwise fill it with gigabytes before it is joined."""

    __slots__ = ("chars", "most")  # set by output_buffer(): no __init__, it is made often
    chars: int
    most: int

    def append(self, piece: str) -> None:
        self.chars += len(piece)
        if self.chars > self.most:
            raise TemplateLimitError(_long_output(self.most))
        list.append(self, piece)

    def extend(self, pieces: Iterable[str]) -> None:
        for piece in pieces:
            self.append(piece)


class _CodeGenerator(CodeGenerator):
    """Jinja2's code, with every loop counted, captured output counted as it grows and
    ``~`` measured before it joins."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # Jinja2 forbids new node types, so the iterables to guard are known by identity.
        self._loop_iters = {id(loop.iter) for loop in node.find_all(nodes.For) if not loop.recursive}
        super().visit_Template(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) not in getattr(self, "_loop_iters", ()):
            return super().visit(node, *args, **kwargs)
        self.write("environment.guard_loop(")
        super().visit(node, *args, **kwargs)
        self.write(")")

    def buffer(self, frame: Frame) -> None:  # as Jinja2's, with an _Output for the list
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.output_buffer()")

    def write(self, x: str) -> None:
        # Each level of a recursive loop iterates "reciter", which is not in the tree.
        super().write("environment.guard_loop(reciter)" if x == "reciter" else x)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"{join}(environment.guard_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


class _Template(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        """As :func:`render`: no way of rendering skips the limits."""
        return render(self, dict(*args, **kwargs))

    def make_module(self, vars: dict[str, Any] | None = None, shared: bool = False, locals: abc.Mapping[str, Any] | None = None) -> TemplateModule:
        # An imported template's output is kept for str(module): count it too.
        ctx = self.new_context(vars, shared, locals)
        return TemplateModule(self, ctx, cast(_Environment, self.environment).collect(self.root_render_func(ctx)))


class _Environment(ImmutableSandboxedEnvironment):
    code_generator_class = _CodeGenerator
    template_class = _Template
    intercepted_binops = frozenset({"+", "*", "**", "%"})  # the ones that can make big values

    def __init__(self, limits: Limits, **options: Any) -> None:
        if options.get("enable_async") or options.get("bytecode_cache"):
            raise TypeError("sandbox: async environments and bytecode caches are not supported")
        super().__init__(**options)
        self.limits = limits

        def limited_range(*args: int) -> range:
            numbers = range(*args)
            if len(numbers[: limits.range_size + 1]) > limits.range_size:  # sliced: len() overflows past 2**63
                raise TemplateLimitError(f"range() asks for more than {limits.range_size:,} numbers (limit); a handout counts a few dozen")
            return numbers

        self.globals["range"] = limited_range
        self.globals.pop("lipsum", None)  # paragraphs of filler: no use in a handout, and slow
        # Jinja2's default filters, each wrapped (Jinja2 leaves the attribute untyped).
        self.filters = _Filters(self, self.filters)  # type: ignore[has-type]

    def guard_loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        budget, most = _BUDGET.get() or _Budget(self.limits), self.limits.loop_iterations
        for item in iterable:
            budget.loops += 1
            if budget.loops > most:
                raise TemplateLimitError(f"template loops more than {most:,} times in total (limit); a handout template needs far fewer")
            if not budget.loops & 255:
                budget.tick()
            yield item

    def output_buffer(self) -> _Output:
        out = _Output()
        out.chars, out.most = 0, self.limits.output_chars
        return out

    def guard_concat(self, pieces: tuple[Any, ...]) -> tuple[Any, ...]:
        n = self.limits.sequence_size
        _over(sum([len(p) if isinstance(p, str) else _size(p, n) for p in pieces]), n, "the '~' operator")
        return pieces

    def collect(self, pieces: Iterable[str]) -> list[str]:
        """Template output that is kept (a block's, an import's), counted before it is joined."""
        if isinstance(pieces, _Output):  # counted as it grew
            return pieces
        out = self.output_buffer()
        out.extend(pieces)
        return out

    def concat(self, pieces: Iterable[str]) -> str:  # type: ignore[override]
        return "".join(self.collect(pieces))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        n, what = self.limits.sequence_size, f"the {operator!r} operator"
        if isinstance(left, float) or isinstance(right, float) or (operator == "+" and isinstance(left, int)):
            pass  # floats overflow with an error; a sum of numbers grows by a digit at most
        elif operator == "*" and isinstance(left, int) == isinstance(right, int):  # numbers
            _over(_size(left, n) + _size(right, n), n, what)
        elif operator == "*":  # a sequence repeated
            _over(_size(right, n) * left if isinstance(left, int) else _size(left, n) * right, n, what)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            _over(left.bit_length() * right * 3 // 10, n, what)
        elif operator == "+":
            _over(_size(left, n) + _size(right, n), n, what)
        elif operator == "%" and isinstance(left, str):
            _over(_percent(left, right, n, what), n, what)
        return super().call_binop(context, operator, left, right)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        budget, n = _BUDGET.get() or _Budget(self.limits), self.limits.sequence_size
        budget.tick()
        if isinstance(obj, (Macro, LoopContext, BlockReference)):  # template code; concat() limits its output
            if budget.depth >= self.limits.recursion_depth:
                depth = self.limits.recursion_depth
                raise TemplateLimitError(f"macros, blocks or recursive loops call each other more than {depth} deep (limit); a handout needs a few")
            budget.depth += 1
            try:
                return super().call(context, obj, *args, **kwargs)
            finally:
                budget.depth -= 1
        what = f"{getattr(obj, '__name__', 'a function')}()"
        args = tuple([_stored(a, n, what) for a in args])
        if type(obj) is types.BuiltinMethodType and isinstance(obj.__self__, (str, bytes, list, tuple, dict)):
            obj, args = self._method(obj, args, kwargs)
        elif what in ("gettext()", "ngettext()", "pgettext()", "npgettext()", "_gettext_alias()"):  # i18n: message % values
            what = "_()" if what == "_gettext_alias()" else what
            if values := {k: v for k, v in kwargs.items() if not k.startswith("_")}:
                _over(_percent("".join([a for a in args if isinstance(a, str)]), values, n, what), n, what)
        result = super().call(context, obj, *args, **kwargs)
        _over(_size(result, n), n, what)
        return result

    def _method(self, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
        """A ``str``/``list``/``dict`` method and its arguments, checked before it runs."""
        owner, name, n = method.__self__, method.__name__, self.limits.sequence_size
        if name in ("format", "format_map") and isinstance(owner, str):  # Jinja2 < 3.1.5 leaves it to call()
            return self.wrap_str_format(method), args
        if any(isinstance(v, int) and v > n for v in (*args, *kwargs.values())):  # 'x'.center(10**9)
            raise TemplateLimitError(f"{name}() is given a number over {n:,} (limit)")
        if name == "join" and args:  # a generator argument is a list by now
            _over(_size(args[0], n) + len(owner) * len(args[0]), n, f"{name}()")
        elif name == "replace" and len(args) >= 2:
            _over(_padded(owner, owner.count(args[0]) if args[0] else len(owner) + 1, args[1]), n, f"{name}()")
        elif name == "expandtabs" and isinstance(owner, str):
            _over(_padded(owner, owner.count("\t"), kwargs.get("tabsize", args[0] if args else 8)), n, f"{name}()")
        elif name == "translate" and args and isinstance(args[0], abc.Mapping):
            _over(len(owner) * max([_size(v, n) for v in args[0].values()], default=1), n, f"{name}()")
        return method, args

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # As Jinja2's (3.1.5+), with a formatter that limits widths and length.
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or value.__name__ not in ("format", "format_map"):
            return None
        text, is_map, n = value.__self__, value.__name__ == "format_map", self.limits.sequence_size
        if not isinstance(text, str):
            return None

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map and (kwargs or len(args) != 1):
                raise TypeError("format_map() takes exactly one argument")
            formatter = _EscapeFormatter(self, n, escape=text.escape) if isinstance(text, Markup) else _Formatter(self, n)
            return type(text)(formatter.vformat(text, (), args[0]) if is_map else formatter.vformat(text, args, kwargs))

        return functools.update_wrapper(wrapper, value)


def environment(loader: jinja2.BaseLoader, *, limits: Limits = Limits(), **options: Any) -> jinja2.Environment:
    """An ImmutableSandboxedEnvironment with ``limits``; ``options`` go to its constructor."""
    return _Environment(limits, loader=loader, **options)


def load(env: jinja2.Environment, name: str) -> jinja2.Template:
    """``env.get_template(name)``; a missing, broken or non-UTF-8 file is a one-line ContentError."""
    try:
        return env.get_template(name)
    except UnicodeDecodeError:
        message = f"{name}: not UTF-8 text; save the template as UTF-8"
    except jinja2.TemplateSyntaxError as exc:
        message = f"{exc.filename or exc.name or name}:{exc.lineno}: template syntax error: {exc.message}"
    except jinja2.TemplateNotFound as exc:
        message = f"template not found: {exc.name}"
    except RecursionError:  # Jinja2's parser and compiler recurse: ((((...)))), or {% if %} in {% if %}...
        message = f"{name}: template nests too deep to compile"
    except Exception as exc:  # Python's own limits on the generated code
        message = f"{name}: template cannot be compiled: {exc} ({type(exc).__name__})"
    raise ContentError(" ".join(message.split()))


def render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render under the limits of the template's environment (from :func:`environment`).

    Raises TemplateLimitError or ContentError, one line: ``file:line: what happened``.
    """
    env = template.environment
    if not isinstance(env, _Environment):
        raise TypeError("sandbox.render() needs a template of a sandbox.environment()")
    most, total, out = env.limits.output_chars, 0, []
    error: ContentError | None = None
    token = _BUDGET.set(_BUDGET.get() or _Budget(env.limits))  # a nested render shares the budget
    try:
        stream: Any = template.root_render_func(template.new_context(dict(context)))
        for piece in stream:
            total += len(piece)
            if total > most:
                frames, gen = [], stream  # where the template is: its generator, and blocks or includes in it
                while getattr(gen, "gi_frame", None) is not None:
                    frames.append((gen.gi_frame, gen.gi_frame.f_lineno))
                    gen = getattr(gen, "gi_yieldfrom", None)
                error = TemplateLimitError(f"{_where(frames, template)}: {_long_output(most)}")
                stream.close()
                break
            out.append(piece)
    except Exception as exc:  # everything a template raises becomes one line
        error = _content_error(exc, template)
    finally:
        _BUDGET.reset(token)
    if error is not None:
        raise error  # outside the except: no chained traceback, and big values are freed
    return "".join(out)


def _content_error(exc: Exception, template: jinja2.Template) -> ContentError:
    where = _where(traceback.walk_tb(exc.__traceback__), template)
    if isinstance(exc, jinja2.TemplateSyntaxError):  # in an included or imported template
        text = f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}"
    elif isinstance(exc, TemplateLimitError):
        text = f"{where}: {exc}"
    elif isinstance(exc, SecurityError):
        text = f"{where}: template tried something unsafe and was stopped: {exc}"
    elif isinstance(exc, jinja2.UndefinedError):
        text = f"{where}: template uses an undefined value: {exc.message}"
    elif isinstance(exc, jinja2.TemplateNotFound):
        text = f"{where}: template not found: {exc.name}"
    elif isinstance(exc, UnicodeDecodeError) and any(f.f_code.co_name == "get_source" for f, _ in traceback.walk_tb(exc.__traceback__)):
        text = f"{where}: an included template is not UTF-8 text; save it as UTF-8"
    elif isinstance(exc, RecursionError):
        text = f"{where}: template nests too deep (a macro, block or include calling itself, or a deeply nested list)"
    else:
        text = f"{where}: template error: {exc} ({type(exc).__name__})"
    return (TemplateLimitError if isinstance(exc, TemplateLimitError) else ContentError)(" ".join(text.split()))


def _where(frames: Iterable[tuple[types.FrameType, int]], template: jinja2.Template) -> str:
    """``file:line`` of the innermost template frame, its Python line mapped to the template's."""
    found, line = template, 0
    for frame, lineno in frames:
        code_template = frame.f_globals.get("__jinja_template__")
        if code_template is not None:
            found, line = code_template, code_template.get_corresponding_lineno(lineno)
    # A template from a file has its path; one from a string or a DictLoader "<template>".
    name = found.filename if found.filename and not found.filename.startswith("<") else found.name or "<template>"
    return f"{name}:{line}" if line else name
