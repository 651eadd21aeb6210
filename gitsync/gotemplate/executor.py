"""Go's text/template execution: walking the tree with dot, variables and functions.

Semantics follow Go's text/template/exec.go: pipelines pass their value as the last
argument, interface values are unwrapped after each command (so nil prints
``<no value>``), ``and``/``or`` short-circuit and return an operand, variables are
scoped to their control structure, templates invoked with ``template`` see only
their own ``$``. Every loop iteration, every write and every nested template call is
counted against `Limits`, and a bound exceeded is a TemplateBoundError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.gotemplate.arguments import ArgumentRules
from gitsync.gotemplate.errors import (
    FuncError,
    TemplateBoundError,
    TemplateError,
    TemplateExecError,
)
from gitsync.gotemplate.funcbase import GO_TYPE_NAMES, FuncMap, GoFunc
from gitsync.gotemplate.limits import Limits
from gitsync.gotemplate.nodes import (
    Action,
    Arg,
    Bool,
    Branch,
    Break,
    Chain,
    Command,
    Continue,
    Dot,
    Field,
    Identifier,
    Nil,
    Node,
    Number,
    Pipe,
    String,
    TemplateCall,
    Text,
    Variable,
)
from gitsync.gotemplate.parser import Tree
from gitsync.gotemplate.values import (
    MISSING,
    GoObject,
    StringMap,
    is_true,
    print_value,
    sorted_keys,
    type_name,
)

NO_FINAL: Any = object()  # Go's missingVal: no value piped in (unlike MISSING, a missing key)
MISSINGKEY_MODES = ("default", "invalid", "zero", "error")


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Budget:
    """Counters shared by one execution and the templates (and ``tpl`` calls) it runs."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.iterations = 0
        self.written = 0


class Executor(ArgumentRules):
    """Runs a parsed template over data, as Go's text/template does, within its bounds."""

    def __init__(
        self,
        tree: Tree,
        funcs: FuncMap,
        missingkey: str,
        budget: Budget,
        name: str = "",
        depth: int = 0,
    ) -> None:
        self.tree = tree
        self.funcs = funcs
        self.missingkey = missingkey
        self.budget = budget
        self.limits = budget.limits
        self.name = name
        self.depth = depth
        self.out: list[str] = []
        self.vars: list[list[Any]] = []
        self.current = ""  # name of the template being executed, for error context

    # -- errors -----------------------------------------------------------------------------

    def error(self, node: Any, message: str) -> TemplateExecError:
        pos = getattr(node, "pos", 0)
        text = self.tree.text
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1)
        message = message.replace("\n", "\\n")  # one line, always
        raise TemplateExecError(
            f"template: {self.name}:{line}:{col}: executing "
            f'"{self.current}" at <{_node_text(node)}>: {message}'
        )

    def bound(self, message: str) -> TemplateBoundError:
        raise TemplateBoundError(message)

    # -- output -----------------------------------------------------------------------------

    def write(self, text: str) -> None:
        self.budget.written += len(text)
        if self.budget.written > self.limits.max_output_bytes:
            raise self.bound(
                f"template output exceeds {self.limits.max_output_bytes} characters "
                "(bound: template output size)"
            )
        self.out.append(text)

    def execute(self, data: Any) -> str:
        root = self.tree.templates.get("")
        self.vars = [["$", data]]
        self.walk_list(data, root or [])
        return "".join(self.out)

    # -- walking ----------------------------------------------------------------------------

    def walk_list(self, dot: Any, nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.write(node.text)
            elif isinstance(node, Action):
                value = self.pipeline(dot, node.pipe)
                if not node.pipe.decl:
                    self.write(print_value(value))
            elif isinstance(node, Branch):
                if node.kind == "range":
                    self.walk_range(dot, node)
                else:
                    self.walk_if_or_with(dot, node)
            elif isinstance(node, TemplateCall):
                self.walk_template(dot, node)
            elif isinstance(node, Break):
                raise _Break
            elif isinstance(node, Continue):
                raise _Continue

    def walk_if_or_with(self, dot: Any, node: Branch) -> None:
        mark = len(self.vars)
        value = self.pipeline(dot, node.pipe)
        if is_true(value):
            self.walk_list(value if node.kind == "with" else dot, node.body)
        elif node.else_body is not None:
            self.walk_list(dot, node.else_body)
        del self.vars[mark:]

    def walk_range(self, dot: Any, node: Branch) -> None:
        mark = len(self.vars)
        pipe = node.pipe
        value = self.pipeline(dot, pipe, declare=False)
        decl = pipe.decl
        if not pipe.is_assign:
            for name in decl:
                self.vars.append([name, value])
        body_mark = len(self.vars)

        def iteration(index: Any, elem: Any) -> None:
            budget = self.budget
            budget.iterations += 1
            if budget.iterations > self.limits.max_iterations:
                raise self.bound(
                    f"template loops ran more than {self.limits.max_iterations} iterations "
                    "(bound: template loop iterations)"
                )
            if decl:
                if pipe.is_assign:
                    if len(decl) > 1:
                        self.set_var(node, decl[0], index)
                        self.set_var(node, decl[1], elem)
                    else:
                        self.set_var(node, decl[0], elem)
                else:
                    self.vars[body_mark - 1][1] = elem
                    if len(decl) > 1:
                        self.vars[body_mark - 2][1] = index
            try:
                self.walk_list(elem, node.body)
            except _Continue:
                pass
            finally:
                del self.vars[body_mark:]

        ran = False
        try:
            if isinstance(value, list | tuple):
                for index, elem in enumerate(value):
                    ran = True
                    iteration(index, elem)
            elif isinstance(value, Mapping):
                for key in sorted_keys(value):
                    ran = True
                    iteration(key, value[key])
            elif isinstance(value, int) and not isinstance(value, bool):
                if len(decl) > 1:
                    raise self.error(
                        node, f"can't use {value} to iterate over more than one variable"
                    )
                for count in range(min(int(value), self.limits.max_iterations + 1)):
                    ran = True
                    iteration(count, count)
            elif value is not MISSING and value is not None:
                raise self.error(node, f"range can't iterate over {print_value(value)}")
        except _Break:
            ran = True
        if not ran and node.else_body is not None:
            del self.vars[body_mark:]
            self.walk_list(dot, node.else_body)
        del self.vars[mark:]

    def walk_template(self, dot: Any, node: TemplateCall) -> None:
        body = self.tree.templates.get(node.name)
        if body is None:
            raise self.error(node, f"template {_quote(node.name)} not defined")
        if self.depth >= self.limits.max_template_depth:
            raise self.bound(
                f"templates nested deeper than {self.limits.max_template_depth} "
                "(bound: template recursion depth)"
            )
        new_dot = self.pipeline(dot, node.pipe) if node.pipe else MISSING
        child = Executor(
            self.tree, self.funcs, self.missingkey, self.budget, self.name, self.depth + 1
        )
        child.current = node.name
        child.vars = [["$", new_dot]]
        child.out = self.out
        child.walk_list(new_dot, body)

    # -- variables --------------------------------------------------------------------------

    def set_var(self, node: Any, name: str, value: Any) -> None:
        for entry in reversed(self.vars):
            if entry[0] == name:
                entry[1] = value
                return
        raise self.error(node, f"undefined variable: {name}")

    def var_value(self, node: Any, name: str) -> Any:
        for entry in reversed(self.vars):
            if entry[0] == name:
                return entry[1]
        raise self.error(node, f"undefined variable: {name}")

    # -- pipelines and commands -------------------------------------------------------------

    def pipeline(self, dot: Any, pipe: Pipe, declare: bool = True) -> Any:
        value: Any = NO_FINAL
        for cmd in pipe.cmds:
            value = self.command(dot, cmd, value)
            if value is None:
                value = MISSING  # Go unwraps interface values: nil becomes invalid
        if declare:
            for name in pipe.decl:
                if pipe.is_assign:
                    self.set_var(pipe, name, value)
                else:
                    self.vars.append([name, value])
        return value

    def command(self, dot: Any, cmd: Command, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, Field):
            return self.field_chain(dot, dot, first, first.idents, cmd.args, final)
        if isinstance(first, Chain):
            return self.chain(dot, first, cmd.args, final)
        if isinstance(first, Identifier):
            return self.function(dot, first, cmd.args, final)
        if isinstance(first, Pipe):
            self.not_a_function(cmd.args, final)
            return self.pipeline(dot, first)
        if isinstance(first, Variable):
            return self.variable(dot, first, cmd.args, final)
        self.not_a_function(cmd.args, final)
        if isinstance(first, Bool):
            return first.value
        if isinstance(first, Dot):
            return dot
        if isinstance(first, Nil):
            raise self.error(first, "nil is not a command")
        if isinstance(first, Number):
            return self.ideal_constant(first)
        if isinstance(first, String):
            return first.text
        raise self.error(first, f"can't evaluate command {_quote(str(first))}")

    def not_a_function(self, args: list[Arg], final: Any) -> None:
        if len(args) > 1 or final is not NO_FINAL:
            raise self.error(args[0], f"can't give argument to non-function {args[0]}")

    def variable(self, dot: Any, node: Variable, args: list[Arg], final: Any) -> Any:
        value = self.var_value(node, node.idents[0])
        if len(node.idents) == 1:
            self.not_a_function(args, final)
            return value
        return self.field_chain(dot, value, node, node.idents[1:], args, final)

    def chain(self, dot: Any, node: Chain, args: list[Arg], final: Any) -> Any:
        if isinstance(node.node, Nil):
            raise self.error(node, f"indirection through explicit nil in {node}")
        value = self.arg(dot, None, node.node)
        return self.field_chain(dot, value, node, node.fields, args, final)

    def field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: Any,
        idents: tuple[str, ...],
        args: list[Arg],
        final: Any,
    ) -> Any:
        for name in idents[:-1]:
            receiver = self.field(receiver, name, node, has_args=False)
        has_args = len(args) > 1 or final is not NO_FINAL
        return self.field(receiver, idents[-1], node, has_args)

    def field(self, receiver: Any, name: str, node: Any, has_args: bool) -> Any:
        if receiver is MISSING:
            if self.missingkey == "error":
                raise self.error(node, f"nil data; no entry for key {_quote(name)}")
            return MISSING
        if receiver is None:
            raise self.error(node, f"nil pointer evaluating interface {{}}.{name}")
        if isinstance(receiver, Mapping):
            if has_args:
                raise self.error(node, f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            if self.missingkey == "error":
                raise self.error(node, f"map has no entry for key {_quote(name)}")
            if self.missingkey == "zero" and isinstance(receiver, StringMap):
                return ""
            return MISSING
        if isinstance(receiver, GoObject):
            try:
                return receiver.go_field(name)
            except KeyError:
                pass
        raise self.error(node, f"can't evaluate field {name} in type {type_name(receiver)}")

    # -- functions --------------------------------------------------------------------------

    def function(self, dot: Any, node: Identifier, args: list[Arg], final: Any) -> Any:
        func = self.funcs.get(node.name)
        if func is None:
            raise self.error(node, f"{_quote(node.name)} is not a defined function")
        return self.call(dot, func, node, args[1:], final)

    def call(self, dot: Any, func: GoFunc, node: Any, args: list[Arg], final: Any) -> Any:
        name = func.name
        count = len(args) + (final is not NO_FINAL)
        if func.variadic is not None:
            if count < func.fixed:
                raise self.error(
                    node,
                    f"wrong number of args for {name}: want at least {func.fixed} got {len(args)}",
                )
        elif count != func.fixed:
            raise self.error(
                node, f"wrong number of args for {name}: want {func.fixed} got {count}"
            )
        if name in ("and", "or"):
            return self.and_or(dot, name == "or", node, args, final)
        argv: list[Any] = []
        for index, arg in enumerate(args):
            typ = func.params[index] if index < func.fixed else func.variadic
            assert typ is not None
            argv.append(self.arg(dot, typ, arg))
        if final is not NO_FINAL:
            index = count - 1
            typ = func.params[index] if index < func.fixed else func.variadic
            assert typ is not None
            argv.append(self.validate(final, typ, node))
        if name == "tpl":
            argv.append(self)
        try:
            result = func.impl(*argv)
        except (TemplateError, _Break, _Continue):
            raise
        except FuncError as err:
            raise self.error(node, f"error calling {name}: {err}") from None
        except RecursionError:
            raise self.bound(
                "template values nested too deeply (bound: template nesting)"
            ) from None
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as err:
            raise self.error(node, f"error calling {name}: {err}") from None
        return self.checked(result, name)

    def checked(self, result: Any, name: str) -> Any:
        limit = self.limits
        if isinstance(result, str) and len(result) > limit.max_output_bytes:
            raise self.bound(
                f"{name}: result of {len(result)} characters exceeds "
                f"{limit.max_output_bytes} (bound: template output size)"
            )
        if isinstance(result, list | dict) and len(result) > limit.max_iterations:
            raise self.bound(
                f"{name}: result of {len(result)} items exceeds {limit.max_iterations} "
                "(bound: template loop iterations)"
            )
        return result

    def and_or(self, dot: Any, is_or: bool, node: Any, args: list[Arg], final: Any) -> Any:
        value: Any = MISSING
        for arg in args:
            value = self.arg(dot, "value", arg)
            if is_true(value) == is_or:
                return value
        if final is not NO_FINAL:
            value = final
        return value

    def arg(self, dot: Any, typ: str | None, node: Arg) -> Any:
        if isinstance(node, Dot):
            return self.validate(dot, typ, node)
        if isinstance(node, Nil):
            if typ in (None, "any", "value", "map", "list"):
                return None
            raise self.error(node, f"cannot assign nil to {GO_TYPE_NAMES.get(typ, typ)}")
        if isinstance(node, Field):
            value = self.field_chain(dot, dot, node, node.idents, [node], NO_FINAL)
            return self.validate(value, typ, node)
        if isinstance(node, Variable):
            return self.validate(self.variable(dot, node, [node], NO_FINAL), typ, node)
        if isinstance(node, Pipe):
            return self.validate(self.pipeline(dot, node), typ, node)
        if isinstance(node, Identifier):
            func = self.funcs.get(node.name)
            if func is None:
                raise self.error(node, f"{_quote(node.name)} is not a defined function")
            return self.validate(self.call(dot, func, node, [], NO_FINAL), typ, node)
        if isinstance(node, Chain):
            return self.validate(self.chain(dot, node, [node], NO_FINAL), typ, node)
        return self.constant(node, typ)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node_text(node: Any) -> str:
    if isinstance(node, Pipe):
        return f"({node})" if node.cmds else ""
    return str(node)
