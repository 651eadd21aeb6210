"""Go's string literal rules: strconv.Unquote for template constants, Quote for ``%q``."""

from __future__ import annotations

import unicodedata

_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_QUOTE_ESCAPES = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}


def go_unquote(quoted: str) -> str:
    """The value of a Go string, raw string or rune literal; ValueError when invalid."""
    if len(quoted) < 2 or quoted[0] != quoted[-1] or quoted[0] not in "\"'`":
        raise ValueError("invalid syntax")
    quote, body = quoted[0], quoted[1:-1]
    if quote == "`":
        if "`" in body:
            raise ValueError("invalid syntax")
        return body.replace("\r", "")
    if "\\" not in body and quote not in body and "\n" not in body:
        return body
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char == quote or char == "\n":
            raise ValueError("invalid syntax")
        if char != "\\":
            out += char.encode("utf-8", "surrogatepass")
            index += 1
            continue
        index += 1
        if index >= len(body):
            raise ValueError("invalid syntax")
        code = body[index]
        index += 1
        if code in _SIMPLE:
            out.append(_SIMPLE[code])
        elif code == quote:
            out += quote.encode()
        elif code in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[index : index + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 16)
            index += width
            if code == "x":
                if quote == "'":
                    out += chr(value).encode()
                else:
                    out.append(value)
            else:
                if value > 0x10FFFF or 0xD800 <= value < 0xE000:
                    raise ValueError("invalid syntax")
                out += chr(value).encode()
        elif code in "01234567":
            digits = body[index - 1 : index + 2]
            if len(digits) != 3 or not all(c in "01234567" for c in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 8)
            if value > 255:
                raise ValueError("invalid syntax")
            index += 2
            out.append(value)
        else:
            raise ValueError("invalid syntax")
    return out.decode("utf-8", "replace")


def is_print(char: str) -> bool:
    """Go's unicode.IsPrint: graphic characters and the ASCII space."""
    if char == " ":
        return True
    category = unicodedata.category(char)
    return category[0] in "LMNPS"


def go_quote(text: str, ascii_only: bool = False) -> str:
    """strconv.Quote (or QuoteToASCII): a double-quoted Go literal."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif (code < 0x80 and is_print(char)) or (
            code >= 0x80 and not ascii_only and is_print(char)
        ):
            out.append(char)
        elif code in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[code])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code == 0xFFFD and not ascii_only:
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_quote_rune(code: int) -> str:
    """strconv.QuoteRune: a single-quoted Go rune literal."""
    if code > 0x10FFFF or 0xD800 <= code < 0xE000:
        code = 0xFFFD
    char = chr(code)
    if char == "'":
        return "'\\''"
    if char == "\\":
        return "'\\\\'"
    if is_print(char):
        return f"'{char}'"
    if code in _QUOTE_ESCAPES:
        return f"'{_QUOTE_ESCAPES[code]}'"
    if code < 0x20 or code == 0x7F:
        return f"'\\x{code:02x}'"
    if code < 0x10000:
        return f"'\\u{code:04x}'"
    return f"'\\U{code:08x}'"


def can_backquote(text: str) -> bool:
    return all(c == "\t" or (c not in "`\ufeff" and is_print(c)) for c in text)
