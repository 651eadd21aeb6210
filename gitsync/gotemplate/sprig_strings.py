"""Sprig's string functions, with Go's byte-oriented slicing where Sprig slices bytes."""

from __future__ import annotations

import random
import string
from typing import Any

from gitsync.gotemplate.convert import check_chars, check_items, str_slice, strval
from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import FuncMap, alias, register
from gitsync.gotemplate.gofmt import format_arg
from gitsync.gotemplate.limits import check_tree
from gitsync.gotemplate.names import go_lower, go_title_rune, go_upper
from gitsync.gotemplate.values import StringList, StringMap

STRINGS: FuncMap = {}
_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
_GO_SPACE += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def byte_slice(text: str, start: int, end: int | None = None) -> str:
    """``s[start:end]`` on the UTF-8 bytes, as Go slices strings."""
    if text.isascii():
        return text[start:end]
    return text.encode("utf-8")[start:end].decode("utf-8", "replace")


def byte_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


register(STRINGS, "hello")(lambda: "Hello!")


@register(STRINGS, "trunc", "int", "string")
def _trunc(count: int, text: str) -> str:
    size = byte_len(text)
    if count < 0 and size + count > 0:
        return byte_slice(text, size + count)
    if count >= 0 and size > count:
        return byte_slice(text, 0, count)
    return text


register(STRINGS, "trim", "string")(lambda text: text.strip(_GO_SPACE))
register(STRINGS, "upper", "string")(go_upper)
register(STRINGS, "lower", "string")(go_lower)


def _is_separator(char: str) -> bool:
    if char.isascii():
        return not (char.isalnum() or char == "_")
    if char.isalpha() or char.isdigit():
        return False
    return char.isspace()


@register(STRINGS, "title", "string")
def _title(text: str) -> str:
    out: list[str] = []
    previous = " "
    for char in text:
        out.append(go_title_rune(char) if _is_separator(previous) else char)
        previous = char
    return "".join(out)


@register(STRINGS, "untitle", "string")
def _untitle(text: str) -> str:
    out: list[str] = []
    previous_space = True
    for char in text:
        out.append(char.lower() if previous_space else char)
        previous_space = char.isspace()
    return "".join(out)


@register(STRINGS, "substr", "int", "int", "string")
def _substr(start: int, end: int, text: str) -> str:
    size = byte_len(text)
    if start < 0:
        if end > size or end < 0:
            raise FuncError(f"runtime error: slice bounds out of range [:{end}] with length {size}")
        return byte_slice(text, 0, end)
    if end < 0 or end > size:
        if start > size:
            raise FuncError(f"runtime error: slice bounds out of range [{start}:{size}]")
        return byte_slice(text, start)
    if start > end:
        raise FuncError(f"runtime error: slice bounds out of range [{start}:{end}]")
    return byte_slice(text, start, end)


@register(STRINGS, "repeat", "int", "string")
def _repeat(count: int, text: str) -> str:
    if count < 0:
        raise FuncError("strings: negative Repeat count")
    check_chars(count * len(text), "repeat")
    return text * count


def _trim_set(text: str, cutset: str) -> str:
    return text.strip(cutset) if cutset else text


register(STRINGS, "trimAll", "string", "string")(lambda cutset, text: _trim_set(text, cutset))
alias(STRINGS, "trimall", "trimAll")
register(STRINGS, "trimSuffix", "string", "string")(lambda suffix, text: text.removesuffix(suffix))
register(STRINGS, "trimPrefix", "string", "string")(lambda prefix, text: text.removeprefix(prefix))
register(STRINGS, "nospace", "string")(lambda text: "".join(c for c in text if not c.isspace()))
register(STRINGS, "initials", "string")(lambda text: "".join(w[0] for w in text.split()))
register(STRINGS, "contains", "string", "string")(lambda sub, text: sub in text)
register(STRINGS, "hasPrefix", "string", "string")(lambda sub, text: text.startswith(sub))
register(STRINGS, "hasSuffix", "string", "string")(lambda sub, text: text.endswith(sub))


def _random(count: int, alphabet: str) -> str:
    check_chars(count, "random string")
    return "".join(random.SystemRandom().choice(alphabet) for _ in range(max(count, 0)))


_ASCII_PRINTABLE = "".join(chr(c) for c in range(32, 127))
register(STRINGS, "randAlphaNum", "int")(lambda n: _random(n, string.ascii_letters + string.digits))
register(STRINGS, "randAlpha", "int")(lambda n: _random(n, string.ascii_letters))
register(STRINGS, "randAscii", "int")(lambda n: _random(n, _ASCII_PRINTABLE))
register(STRINGS, "randNumeric", "int")(lambda n: _random(n, string.digits))


@register(STRINGS, "swapcase", "string")
def _swapcase(text: str) -> str:
    out: list[str] = []
    whitespace = True
    for char in text:
        if char.isupper() or char.istitle():
            out.append(char.lower())
        elif char.islower():
            out.append(char.title() if whitespace else char.upper())
        else:
            out.append(char)
        whitespace = char.isspace()
    return "".join(out)


@register(STRINGS, "shuffle", "string")
def _shuffle(text: str) -> str:
    chars = list(text)
    random.SystemRandom().shuffle(chars)
    return "".join(chars)


def _words(text: str) -> list[str]:
    """Split into words at case changes, digits boundaries and separators."""
    words: list[str] = []
    current = ""
    for index, char in enumerate(text):
        if not char.isalnum():
            if current:
                words.append(current)
            current = ""
            continue
        if current:
            previous = current[-1]
            following = text[index + 1] if index + 1 < len(text) else ""
            upper_start = char.isupper() and (
                previous.islower() or (previous.isupper() and following.islower())
            )
            if upper_start:
                words.append(current)
                current = ""
        current += char
    if current:
        words.append(current)
    return words


register(STRINGS, "snakecase", "string")(lambda text: "_".join(w.lower() for w in _words(text)))
register(STRINGS, "kebabcase", "string")(lambda text: "-".join(w.lower() for w in _words(text)))


@register(STRINGS, "camelcase", "string")
def _camelcase(text: str) -> str:
    parts = text.split("_")
    out = [parts[0][:1].upper() + parts[0][1:]] if parts[0] else [""]
    for part in parts[1:]:
        out.append(part[:1].upper() + part[1:] if part else "_")
    return "".join(out)


def wrap_custom(text: str, width: int, newline: str, wrap_long: bool) -> str:
    """goutils.WrapCustom (Apache Commons' WordUtils.wrap)."""
    if width < 1:
        width = 1
    out: list[str] = []
    offset = 0
    length = len(text)
    while length - offset > width:
        if text[offset] == " ":
            offset += 1
            continue
        space = text.rfind(" ", offset, width + offset + 1)
        if space >= offset:
            out.append(text[offset:space] + newline)
            offset = space + 1
        elif wrap_long:
            out.append(text[offset : width + offset] + newline)
            offset += width
        else:
            space = text.find(" ", width + offset)
            if space >= 0:
                out.append(text[offset:space] + newline)
                offset = space + 1
            else:
                out.append(text[offset:])
                offset = length
    out.append(text[offset:])
    return "".join(out)


register(STRINGS, "wrap", "int", "string")(lambda w, text: wrap_custom(text, w, "\n", False))
register(STRINGS, "wrapWith", "int", "string", "string")(
    lambda w, sep, text: wrap_custom(text, w, sep, True)
)


@register(STRINGS, "quote", variadic="any")
def _quote(*values: Any) -> str:
    check_tree(values, "quote")
    return " ".join(format_arg(strval(v), "q") for v in values if v is not None)


@register(STRINGS, "squote", variadic="any")
def _squote(*values: Any) -> str:
    check_tree(values, "squote")
    return " ".join(f"'{format_arg(v, 'v')}'" for v in values if v is not None)


@register(STRINGS, "cat", variadic="any")
def _cat(*values: Any) -> str:
    check_tree(values, "cat")
    return " ".join(format_arg(v, "v") for v in values if v is not None)


@register(STRINGS, "indent", "int", "string")
def indent(spaces: int, text: str) -> str:
    pad = " " * max(spaces, 0) if spaces < 10**9 else ""
    check_chars(max(spaces, 0) * (text.count("\n") + 1) + len(text), "indent")
    return pad + text.replace("\n", "\n" + pad)


register(STRINGS, "nindent", "int", "string")(lambda spaces, text: "\n" + indent(spaces, text))


@register(STRINGS, "replace", "string", "string", "string")
def _replace(old: str, new: str, text: str) -> str:
    if old == "":
        check_chars(len(text) + (len(text) + 1) * len(new), "replace")
        return new + new.join(text) + new if text else new
    check_chars(len(text) + text.count(old) * max(len(new) - len(old), 0), "replace")
    return text.replace(old, new)


register(STRINGS, "plural", "string", "string", "int")(
    lambda one, many, count: one if count == 1 else many
)
register(STRINGS, "toString", "any")(strval)


def go_split(text: str, sep: str, limit: int = -1) -> list[str]:
    """strings.SplitN: an empty separator splits into characters."""
    if limit == 0:
        return []
    if sep == "":
        chars = list(text)
        if 0 < limit < len(chars):
            return [*chars[: limit - 1], "".join(chars[limit - 1 :])]
        return chars
    if limit < 0:
        return text.split(sep)
    return text.split(sep, limit - 1)


@register(STRINGS, "split", "string", "string")
def _split(sep: str, text: str) -> StringMap:
    return StringMap((f"_{i}", part) for i, part in enumerate(go_split(text, sep)))


@register(STRINGS, "splitn", "string", "int", "string")
def _splitn(sep: str, count: int, text: str) -> StringMap:
    return StringMap((f"_{i}", part) for i, part in enumerate(go_split(text, sep, count)))


@register(STRINGS, "splitList", "string", "string")
def _split_list(sep: str, text: str) -> StringList:
    parts = go_split(text, sep)
    check_items(len(parts), "splitList")
    return StringList(parts)


register(STRINGS, "toStrings", "any")(str_slice)


@register(STRINGS, "join", "string", "any")
def _join(sep: str, values: Any) -> str:
    parts = str_slice(values)
    check_chars(sum(map(len, parts)) + len(sep) * len(parts), "join")
    return sep.join(parts)


@register(STRINGS, "sortAlpha", "any")
def _sort_alpha(values: Any) -> StringList:
    if isinstance(values, list | tuple):
        return StringList(sorted(str_slice(values), key=lambda s: s.encode("utf-8")))
    return StringList([strval(values)])


@register(STRINGS, "abbrev", "int", "string")
def _abbrev(width: int, text: str) -> str:
    if len(text) <= width:
        return text
    if width < 4:
        return ""
    return text[: width - 3] + "..."


@register(STRINGS, "abbrevboth", "int", "int", "string")
def _abbrevboth(offset: int, width: int, text: str) -> str:
    if width < 4 or (offset > 0 and width < 7):
        return text
    if len(text) <= width:
        return text
    offset = min(offset, len(text))
    if len(text) - offset < width - 3:
        offset = len(text) - (width - 3)
    if offset <= 4:
        return text[: width - 3] + "..."
    if offset + width - 3 < len(text):
        return "..." + str(_abbrev(width - 3, text[offset:]))
    return "..." + text[len(text) - (width - 3) :]
