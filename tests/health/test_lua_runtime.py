"""The Lua sandbox: what a health script sees, what it cannot reach, and its bounds."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.health.lua_runtime import LuaRuntime
from gitsync.health.types import Health
from gitsync.model.enums import HealthStatus

WIDGET: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w", "namespace": "prod", "labels": {"tier": "web"}},
    "spec": {"sizes": [3, 5, 8], "empty": [], "nothing": {}, "enabled": False},
    "status": {"conditions": [{"type": "Ready", "status": "True", "message": "up"}]},
}


@pytest.fixture(scope="module")
def lua() -> LuaRuntime:
    # small bounds keep the runaway cases quick
    return LuaRuntime(instruction_limit=200_000, memory_limit=16 * 1024 * 1024)


def run(lua: LuaRuntime, source: str, obj: dict[str, Any] | None = None) -> Health:
    return lua.evaluate(lua.compile(source, "test.lua"), WIDGET if obj is None else obj)


def status_of(lua: LuaRuntime, expression: str) -> str:
    """Run ``return {status = <expression>}``; the status the script returned."""
    return str(run(lua, f"return {{status = {expression}}}").status)


def test_a_script_reads_obj_and_returns_status_and_message(lua: LuaRuntime) -> None:
    script = """
    hs = {status = "Progressing", message = "waiting"}
    if obj.status ~= nil and obj.status.conditions ~= nil then
      for i, condition in ipairs(obj.status.conditions) do
        if condition.type == "Ready" and condition.status == "True" then
          hs.status = "Healthy"
          hs.message = obj.metadata.name .. " is " .. condition.message
        end
      end
    end
    return hs
    """
    assert run(lua, script) == Health(HealthStatus.HEALTHY, "w is up")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("obj.spec.sizes[1] == 3 and obj.spec.sizes[3] == 8 and #obj.spec.sizes == 3", "Healthy"),
        ("obj.spec.sizes[0] == nil", "Healthy"),  # 1-based, as Argo CD converts lists
        ("type(obj.spec.empty) == 'table' and next(obj.spec.empty) == nil", "Healthy"),
        ("type(obj.spec.nothing) == 'table' and #obj.spec.nothing == 0", "Healthy"),
        ("obj.spec.enabled == false and obj.spec.missing == nil", "Healthy"),
        ("obj.metadata.labels.tier == 'web'", "Healthy"),
    ],
)
def test_how_the_object_looks_from_lua(lua: LuaRuntime, expression: str, expected: str) -> None:
    assert status_of(lua, f"({expression}) and 'Healthy' or 'Degraded'") == expected


@pytest.mark.parametrize(
    "name",
    [
        "os.execute",
        "os.exit",
        "os.getenv",
        "os.remove",
        "io",
        "require",
        "load",
        "loadstring",
        "dofile",
        "loadfile",
        "debug",
        "package",
        "collectgarbage",
        "string.dump",
        "getfenv",
        "setfenv",
        "coroutine",
        "newproxy",
        "module",
        "python",
        "math.randomseed",
    ],
)
def test_dangerous_names_are_absent(lua: LuaRuntime, name: str) -> None:
    assert status_of(lua, f"{name} == nil and 'Healthy' or 'Degraded'") == "Healthy"


def test_calling_them_fails_with_the_scripts_error(lua: LuaRuntime) -> None:
    health = run(lua, 'os.execute("touch /tmp/pwned")\nreturn {status = "Healthy"}')
    assert health.status is HealthStatus.UNKNOWN
    assert "test.lua:1:" in health.message and "execute" in health.message
    health = run(lua, 'io.open("/etc/passwd")')
    assert health.status is HealthStatus.UNKNOWN and "io" in health.message
    health = run(lua, 'local os = require("os")')
    assert health.status is HealthStatus.UNKNOWN and "require" in health.message


def test_the_safe_libraries_argo_cd_scripts_use(lua: LuaRuntime) -> None:
    script = """
    local parts = {}
    table.insert(parts, string.format("%d", math.floor(7.9)))
    table.insert(parts, ("abc"):upper())
    table.insert(parts, tostring(os.time() > 0))
    table.insert(parts, os.date("!%Y", 0))
    table.insert(parts, tostring(unpack({9})))
    table.insert(parts, tostring(table.getn({1, 2})))
    local found = string.find("Degraded: quota", "quota", 1, true)
    table.insert(parts, tostring(found))
    return {status = "Healthy", message = table.concat(parts, " ")}
    """
    assert run(lua, script) == Health(HealthStatus.HEALTHY, "7 ABC true 1970 9 2 11")


def test_the_string_metatable_cannot_be_reached(lua: LuaRuntime) -> None:
    assert status_of(lua, "getmetatable('') == false and 'Healthy' or 'Degraded'") == "Healthy"


def test_the_globals_metatable_cannot_be_reached(lua: LuaRuntime) -> None:
    assert status_of(lua, "getmetatable(_G) == false and 'Healthy' or 'Degraded'") == "Healthy"
    health = run(lua, "setmetatable(_G, {})")
    assert health.status is HealthStatus.UNKNOWN and "protected metatable" in health.message
    # the shared base functions cannot be replaced through _G for the next run
    run(lua, "rawset(_G, 'pairs', nil); pairs = nil")
    assert status_of(lua, "pairs ~= nil and 'Healthy' or 'Degraded'") == "Healthy"


def test_finalizers_are_refused(lua: LuaRuntime) -> None:
    health = run(lua, "setmetatable({}, {__gc = function() while true do end end})")
    assert health.status is HealthStatus.UNKNOWN
    assert "__gc" in health.message


def test_one_run_leaves_nothing_for_the_next(lua: LuaRuntime) -> None:
    dirty = lua.compile("leaked = 1; string.upper = nil; table.insert = nil", "dirty.lua")
    lua.evaluate(dirty, WIDGET)
    check = "(leaked == nil and string.upper ~= nil and table.insert ~= nil) and 'Healthy'"
    assert status_of(lua, check + " or 'Degraded'") == "Healthy"
    # ... and the same script's globals start afresh too
    counter = lua.compile(
        "count = (count or 0) + 1\nreturn {status = 'Healthy', message = tostring(count)}",
        "counter.lua",
    )
    assert lua.evaluate(counter, WIDGET).message == "1"
    assert lua.evaluate(counter, WIDGET).message == "1"


def test_an_endless_loop_is_stopped(lua: LuaRuntime) -> None:
    health = run(lua, "while true do end")
    assert health.status is HealthStatus.UNKNOWN
    assert "more than 200,000 Lua instructions" in health.message


def test_catching_the_stop_does_not_help(lua: LuaRuntime) -> None:
    script = "while true do pcall(function() while true do end end) end"
    health = run(lua, script)
    assert health.status is HealthStatus.UNKNOWN
    assert "Lua instructions" in health.message


@pytest.mark.parametrize(
    "script",
    [
        'return {status = string.rep("x", 2^30)}',
        'local t = {} for i = 1, 1e8 do t[i] = string.rep("x", 1000) .. i end',
        "local t = {} for i = 1, 1e8 do t[i] = {i, i, i} end",
    ],
)
def test_a_huge_allocation_is_stopped(lua: LuaRuntime, script: str) -> None:
    health = run(lua, script)
    assert health.status is HealthStatus.UNKNOWN
    bounds = ("out of its 16 MiB", "Lua instructions", "repetitions is more than")
    assert any(bound in health.message for bound in bounds), health.message
    # and the runtime still works afterwards
    assert status_of(lua, "'Healthy'") == "Healthy"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("return {status = ", "does not compile: test.lua:1:"),
        ("error('boom')", "test.lua:1: boom"),
        ("error({})", "raised a table value"),
        ("local n = obj.status.replicas + 1", "arithmetic"),
        ("return 'Healthy'", "expect table output from Lua script, not string"),
        ("x = 1", "expect table output from Lua script, not nil"),
        ("return {status = 'Fine'}", "Lua returned an invalid health status"),
        ("return {message = 'no status'}", "Lua returned an invalid health status"),
        ("return {status = 'Healthy', message = {}}", "message is a table"),
    ],
)
def test_a_failing_script_gives_unknown_with_its_error(
    lua: LuaRuntime, script: str, message: str
) -> None:
    health = run(lua, script)
    assert health.status is HealthStatus.UNKNOWN
    assert message in health.message


@pytest.mark.parametrize("status", ["Healthy", "Progressing", "Degraded", "Suspended", "Missing"])
def test_every_argo_cd_status(lua: LuaRuntime, status: str) -> None:
    assert status_of(lua, repr(status)) == status


def test_scripts_are_compiled_once(lua: LuaRuntime) -> None:
    first = lua.compile("return {status = 'Healthy'}", "same.lua")
    assert lua.compile("return {status = 'Healthy'}", "same.lua") is first
    assert lua.compile("return {status = 'Degraded'}", "same.lua") is not first


def test_python_values_that_are_not_json_stay_opaque(lua: LuaRuntime) -> None:
    class Secretive:
        token = "s3cret"

    obj = {"kind": "Widget", "odd": Secretive()}
    health = run(lua, "return {status = 'Healthy', message = tostring(obj.odd.token)}", obj)
    assert health.status is HealthStatus.UNKNOWN
    assert "s3cret" not in health.message


@pytest.mark.parametrize(
    "call",
    [
        'string.find(long, "a*a*a*b")',
        'long:find("a*a*a*b")',
        'long:match("(a-)(a-)(a-)b")',
        'for x in long:gmatch("a*a*b") do end',
        'long:gsub("[a]+[a]+[a]+b", "")',
    ],
)
def test_a_pattern_that_could_backtrack_for_ever_is_refused(lua: LuaRuntime, call: str) -> None:
    # The matcher runs in C, out of the instruction hook's reach: such a call would
    # otherwise run for hours.
    health = run(lua, f'local long = string.rep("a", 3000)\n{call}')
    assert health.status is HealthStatus.UNKNOWN
    assert "could run too long" in health.message


@pytest.mark.parametrize(
    "call",
    [
        'long:match("^(.-): (.*)$")',
        'long:find("(.-): (.*)")',
        'long:find("a*a*a*b", 1, true)',
        'long:gsub("%s+", " ")',
        'string.match("1.25", "^(%d+)%.(%d+)$")',
        'string.find("short", "a*a*a*b")',
    ],
)
def test_ordinary_patterns_still_work(lua: LuaRuntime, call: str) -> None:
    script = f'local long = string.rep("x", 1000) .. ": done"\nlocal r = {call}\n'
    script += 'return {status = "Healthy"}'
    assert run(lua, script).status is HealthStatus.HEALTHY


def test_slow_library_calls_in_a_loop_are_stopped_by_the_clock() -> None:
    # Each call is one instruction for the hook but milliseconds of C work.
    lua = LuaRuntime(time_limit=0.2)
    script = 'local s = string.rep("x", 4000000)\nfor i = 1, 1e6 do s:upper() end'
    health = lua.evaluate(lua.compile(script, "slow.lua"), WIDGET)
    assert health.status is HealthStatus.UNKNOWN
    assert "ran for more than 0.2 s" in health.message


def test_string_rep_cannot_spin_on_an_empty_string(lua: LuaRuntime) -> None:
    for call in ('string.rep("", 2^31 - 1)', '(""):rep(2^31 - 1, "")'):
        health = run(lua, call)
        assert health.status is HealthStatus.UNKNOWN
        assert "repetitions" in health.message
