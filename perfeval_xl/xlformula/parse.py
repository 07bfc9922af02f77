"""Excel formula tokens parsed, by recursive descent with Excel's precedence, into a tree of tuples:

    ("num", 1.5) ("str", "x") ("bool", True) ("err", XlError) ("ref", RefSpec) ("missing",)
    ("neg", node, minus signs) ("pct", node, % signs) ("chain", first, ((op, node), ...)) ("call", "NAME", (node, ...))

Precedence, loosest first: comparisons, &, + -, * /, ^, %, unary minus. Operators of one level chain left to right
(a chain node, so a sum of 500 cells is one flat node). Whatever else a formula may hold — defined names, structured
or external references, array constants, the union, intersection and spill operators, 3-D references — is
Unsupported."""

from __future__ import annotations

from .semantics import ERRORS, Unsupported
from .tokens import MAX_NESTING, Token, tokenize

_PRECEDENCE = {"=": 0, "<>": 0, "<": 0, ">": 0, "<=": 0, ">=": 0, "&": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 4}


def parse(text: str):
    """The tree of a formula (with or without its leading '='); Unsupported for anything outside the grammar."""
    return parse_tokens(tokenize(text[1:] if text.startswith("=") else text))


def parse_tokens(tokens: list[Token]):
    tokens = [t for t in tokens if t.kind != "ws"]
    depth = 0
    for t in tokens:
        if t.kind == "lp":
            depth += 1
            if depth > MAX_NESTING:
                raise Unsupported("formula nested deeper than Excel allows")
        elif t.kind == "rp":
            depth -= 1
    if not tokens:
        raise Unsupported("empty formula")
    return _Parser(tokens).formula()


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def formula(self):
        node = self.expression()
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek().text!r}")
        return node

    def expression(self):
        """Binary operators by precedence climbing (one Python frame whatever the length of the chain); operators of
        one level, all left-associative in Excel (2^3^2 is 64), gather into one chain node."""
        operands = [self.operand()]
        ops: list[str] = []

        def reduce():
            op = ops.pop()
            right, left = operands.pop(), operands.pop()
            level = _PRECEDENCE[op]
            if left[0] == "chain" and _PRECEDENCE[left[2][0][0]] == level:
                operands.append(("chain", left[1], left[2] + ((op, right),)))
            else:
                operands.append(("chain", left, ((op, right),)))

        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in _PRECEDENCE:
            self.take()
            while ops and _PRECEDENCE[ops[-1]] >= _PRECEDENCE[tok.text]:
                reduce()
            ops.append(tok.text)
            operands.append(self.operand())
        while ops:
            reduce()
        return operands[0]

    def operand(self):
        return self.percent()

    def percent(self):
        node = self.unary()
        count = 0
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "%":
            self.take()
            count += 1
        return ("pct", node, count) if count else node

    def unary(self):
        minus = 0
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in ("+", "-"):
            self.take()
            minus += tok.text == "-"
        node = self.primary()
        # a minus converts its operand to a number (--"1" is 1); a lone + changes nothing
        return ("neg", node, minus) if minus else node

    def primary(self):
        tok = self.peek()
        if tok is None:
            raise Unsupported("formula ends too early")
        self.take()
        kind = tok.kind
        if kind == "num":
            return ("num", float(tok.text))
        if kind == "str":
            return ("str", tok.text[1:-1].replace('""', '"'))
        if kind == "err":
            return ("err", ERRORS[tok.text])
        if kind == "ref":
            if tok.ref.sheet is not None and "[" in tok.ref.sheet:
                raise Unsupported("reference to another workbook")
            return ("ref", tok.ref)
        if kind == "name":
            if tok.text.upper() in ("TRUE", "FALSE"):
                return ("bool", tok.text.upper() == "TRUE")
            raise Unsupported(f"defined name or unknown word {tok.text!r}")
        if kind == "func":
            return self.call(tok.text)
        if kind == "lp":
            node = self.expression()
            closing = self.peek()
            if closing is None or closing.kind != "rp":
                raise Unsupported("union of references or unbalanced parenthesis")
            self.take()
            return node
        raise Unsupported(f"unexpected {tok.text!r}")

    def call(self, name: str):
        self.take()  # (
        args = []
        if (tok := self.peek()) is not None and tok.kind == "rp":
            self.take()
            return ("call", _function_name(name), ())
        while True:
            tok = self.peek()
            if tok is not None and tok.kind in ("comma", "rp"):
                args.append(("missing",))
            else:
                args.append(self.expression())
            tok = self.peek()
            if tok is None:
                raise Unsupported("unbalanced parenthesis")
            self.take()
            if tok.kind == "rp":
                return ("call", _function_name(name), tuple(args))
            if tok.kind != "comma":
                raise Unsupported(f"unexpected {tok.text!r}")


def _function_name(name: str) -> str:
    """Function names as the registry knows them: upper case, without the _xlfn./_xlws. prefixes files carry."""
    up = name.upper()
    for prefix in ("_XLFN.", "_XLWS."):
        while up.startswith(prefix):
            up = up[len(prefix):]
    return up
