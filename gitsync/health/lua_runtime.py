"""A sandboxed Lua runtime for Argo CD style health scripts.

A script sees the live object as the global `obj` (Lua tables all the way down, lists
1-based, missing fields nil) and returns ``{status = ..., message = ...}``. It gets the
base functions that cannot reach outside (no `load*`, `dofile`, `require`, `getfenv`,
`setfenv`, `collectgarbage`, `newproxy`; `print` does nothing), and copies of `string`
(without `string.dump`), `table`, `math` (without `randomseed`) and `os` reduced to
`os.time` and `os.date`, as Argo CD offers. Each run has its own globals and its own
copy of each library it touches, so one run cannot leave anything behind for the next;
the string metatable is locked.

Each run is a coroutine with a count hook: past `instruction_limit` VM instructions, or
`time_limit` seconds of CPU (library calls run in C, unseen by the count), every further
instruction raises, so even a script that catches errors in a loop stops. The runtime's
allocator refuses memory past `memory_limit`; pattern matches whose worst case is too
large and `string.rep` counts past the memory limit are refused before they start.
Either way the object gets Unknown health with the reason; the process carries on.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lupa.lua52 as lua52

from gitsync.health.types import Health
from gitsync.model.enums import HealthStatus

INSTRUCTION_LIMIT = 1_000_000
TIME_LIMIT = 1.0  # seconds of CPU, as Argo CD gives a script one second
MEMORY_LIMIT = 32 * 1024 * 1024
# Worst-case steps of one pattern match (length ** backtracking items) a script may ask
PATTERN_BUDGET = 100_000_000
LIMIT_MESSAGE = "script stopped: more than {limit} Lua instructions (endless loop?)"
TIME_MESSAGE = "script stopped: it ran for more than {seconds:g} s"
MEMORY_MESSAGE = "script stopped: the Lua runtime ran out of its {limit} MiB"
_STATUSES = {status.value: status for status in HealthStatus}

# Runs once with the real globals; returns `compile` and `run`, which close over what the
# sandbox needs and never hand it out.
_PRELUDE = r"""
local limit, limit_message, pattern_budget, time_limit, time_message, most_bytes = ...
-- The process's CPU time: read without the interpreter lock, and only ever ahead of the
-- script's own time, so the bound can stop a script early under load, never late.
local clock = os.clock
local sethook, setupvalue = debug.sethook, debug.setupvalue
local create, resume = coroutine.create, coroutine.resume
local load, type, rawget, rawset, pairs, ipairs, error, tostring, collect, setmeta =
  load, type, rawget, rawset, pairs, ipairs, error, tostring, collectgarbage, setmetatable

local function pick(from, names)
  local picked = {}
  for _, name in ipairs(names) do picked[name] = from[name] end
  return picked
end

local BASE = pick(_G, {"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
  "rawequal", "rawget", "rawlen", "rawset", "select", "tonumber", "tostring", "type",
  "xpcall", "_VERSION"})
BASE.print = function() end
BASE.unpack = table.unpack
-- A finalizer would run outside the bounded coroutine, whenever the collector gets to it.
BASE.setmetatable = function(target, meta)
  if type(meta) == "table" and rawget(meta, "__gc") ~= nil then
    error("__gc metamethods are not allowed in health scripts", 2)
  end
  return setmeta(target, meta)
end
local LIBS = {string = {}, table = {}, math = {}, os = pick(os, {"time", "date"})}
for name, fn in pairs(string) do if name ~= "dump" then LIBS.string[name] = fn end end
for name, fn in pairs(table) do LIBS.table[name] = fn end
for name, fn in pairs(math) do if name ~= "randomseed" then LIBS.math[name] = fn end end
-- Lua 5.1 names that Argo CD scripts (gopher-lua) may use.

-- The pattern matcher runs in C, where the instruction hook never fires, and it
-- backtracks: each quantified item that more pattern follows can multiply the work by
-- the subject's length. Refuse a call whose worst case passes a bound.
local sub, find, log = string.sub, string.find, math.log
local huge_work = log(pattern_budget)
local function backtracking_items(pattern)
  local count, i, n, last = 0, 1, #pattern, 0
  while i <= n do
    local c = sub(pattern, i, i)
    if c == "%" then
      local class = sub(pattern, i + 1, i + 1)
      i = i + (class == "b" and 4 or 2)
      if class == "f" and sub(pattern, i, i) == "[" then c = "[" end
    end
    if c == "[" then
      i = i + 1
      if sub(pattern, i, i) == "^" then i = i + 1 end
      if sub(pattern, i, i) == "]" then i = i + 1 end
      while i <= n and sub(pattern, i, i) ~= "]" do
        i = i + (sub(pattern, i, i) == "%" and 2 or 1)
      end
      i = i + 1
    elseif c ~= "%" then
      i = i + 1
    end
    local q = sub(pattern, i, i)
    if q == "*" or q == "+" or q == "-" or q == "?" then
      count, last = count + 1, i
      i = i + 1
    end
  end
  if count > 0 and not find(sub(pattern, last + 1), "[^)$]") then
    count = count - 1  -- nothing after the last one to make it backtrack
  end
  return count
end

local function guarded(name, anchors)
  local real = string[name]
  LIBS.string[name] = function(subject, pattern, a, plain)
    if type(pattern) == "string" and not (name == "find" and plain) then
      local items = backtracking_items(pattern)
      if anchors and sub(pattern, 1, 1) ~= "^" or not anchors then items = items + 1 end
      local length = type(subject) == "string" and #subject or 0
      if length > 1 and items * log(length) > huge_work then
        error(("string.%s: pattern %q over %d characters could run too long"):format(
          name, pattern, length), 2)
      end
    end
    return real(subject, pattern, a, plain)
  end
end
guarded("find", true)
guarded("match", true)
guarded("gmatch", false)
guarded("gsub", true)
LIBS.string.gfind = LIBS.string.gmatch
-- string.rep("", 2^31) is seconds of C work for an empty result: bound the count too.
local rep = string.rep
LIBS.string.rep = function(text, count, separator)
  if type(count) == "number" and count > most_bytes then
    error("string.rep: " .. count .. " repetitions is more than this runtime may hold", 2)
  end
  return rep(text, count, separator)
end
local string_meta = getmetatable("")
string_meta.__index = LIBS.string
string_meta.__metatable = false
LIBS.table.getn = function(list) return #list end
LIBS.table.maxn = function(list)
  local top = 0
  for key in pairs(list) do
    if type(key) == "number" and key > top then top = key end
  end
  return top
end
LIBS.math.mod = math.fmod
LIBS.math.log10 = function(x) return math.log(x, 10) end

local function copy(from)
  local into = {}
  for key, value in pairs(from) do into[key] = value end
  return into
end

-- A run's globals: its own table, falling back to the shared base functions (which
-- cannot be changed through it) and to a private copy of a library, made on first use.
local ENV_META = {
  __index = function(env, name)
    local lib = LIBS[name]
    if lib ~= nil then
      local own = copy(lib)
      rawset(env, name, own)
      return own
    end
    return BASE[name]
  end,
  __metatable = false,
}

local function fresh_env(obj)
  local env = setmeta({obj = obj}, ENV_META)
  rawset(env, "_G", env)
  return env
end

-- Every STEP instructions: count, and look at the clock, since library calls (in C) take
-- time the instruction count does not see. Once past either bound every further
-- instruction raises, so even a script that catches errors in a loop stops.
local STEP = 250
local left, deadline, why = 0, 0, ""
local function stop_always() error(why, 0) end
local function tick()
  left = left - STEP
  if left > 0 and clock() <= deadline then return end
  why = left > 0 and time_message or limit_message
  sethook(stop_always, "", 1)
  error(why, 0)
end

local function body(chunk)
  local result = chunk()
  if type(result) ~= "table" then
    return false, "expect table output from Lua script, not " .. type(result)
  end
  local status, message = rawget(result, "status"), rawget(result, "message")
  if type(message) == "number" then message = tostring(message) end
  if message ~= nil and type(message) ~= "string" then
    return false, "the script's message is a " .. type(message) .. ", not a string"
  end
  if type(status) ~= "string" then status = "" end
  return true, status, message or ""
end

local function compile(source, name)
  local chunk, problem = load(source, "=" .. name, "t", {})
  return chunk or false, problem or ""
end

local function run(chunk, obj)
  setupvalue(chunk, 1, fresh_env(obj))
  local co = create(body)
  left, deadline = limit, clock() + time_limit
  sethook(co, tick, "", STEP)
  local resumed, ok, status, message = resume(co, chunk)
  setupvalue(chunk, 1, nil)
  if not resumed then
    if type(ok) ~= "string" then ok = "the script raised a " .. type(ok) .. " value" end
    return false, ok, ""
  end
  return ok, status, message
end

local function sweep()
  collect("collect")
end

return compile, run, sweep
"""


class _Refused(AttributeError):
    pass


def _no_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    """Python objects that reach Lua (none should) show no attributes at all."""
    raise _Refused(name)


@dataclass(frozen=True)
class CompiledScript:
    """A health script compiled in a runtime; `error` holds a syntax error instead."""

    name: str
    digest: str
    chunk: Any = None
    error: str = ""


class LuaRuntime:
    """One Lua state for every health script of the process; calls are serialised."""

    def __init__(
        self,
        instruction_limit: int = INSTRUCTION_LIMIT,
        memory_limit: int = MEMORY_LIMIT,
        time_limit: float = TIME_LIMIT,
    ) -> None:
        self.instruction_limit = instruction_limit
        self.memory_limit = memory_limit
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._lua = lua52.LuaRuntime(
            max_memory=memory_limit,
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_no_attributes,
        )
        self._lua.globals().python = None
        limit_message = LIMIT_MESSAGE.format(limit=f"{instruction_limit:,}")
        prelude = self._lua.execute(
            _PRELUDE,
            instruction_limit,
            limit_message,
            PATTERN_BUDGET,
            time_limit,
            TIME_MESSAGE.format(seconds=time_limit),
            memory_limit,
        )
        self._compile, self._run, self._sweep = prelude
        self._compiled: dict[str, CompiledScript] = {}

    def compile(self, source: str, name: str) -> CompiledScript:
        """Compile `source` (cached by its content); `name` shows in error messages."""
        digest = hashlib.sha256(f"{name}\0{source}".encode()).hexdigest()
        with self._lock:
            found = self._compiled.get(digest)
            if found is not None:
                return found
            try:
                chunk, problem = self._compile(source, name)
            except lua52.LuaError as err:  # e.g. out of memory while compiling
                chunk, problem = None, str(err)
            compiled = CompiledScript(name, digest, chunk or None, "" if chunk else str(problem))
            self._compiled[digest] = compiled
            return compiled

    def forget(self, keep: set[str]) -> None:
        """Drop compiled scripts whose digest is not in `keep` (after a reload)."""
        with self._lock:
            for digest in set(self._compiled) - keep:
                del self._compiled[digest]

    def evaluate(self, script: CompiledScript, obj: Mapping[str, Any]) -> Health:
        """Run `script` on one live object. Never raises: failures are Unknown health."""
        if script.chunk is None:
            return Health(HealthStatus.UNKNOWN, f"Lua script does not compile: {script.error}")
        with self._lock:
            try:
                ok, status, message = self._run(
                    script.chunk, self._lua.table_from(obj, recursive=True)
                )
            except lua52.LuaMemoryError:
                ok, status, message = False, "not enough memory", None
            except lua52.LuaError as err:
                ok, status, message = False, str(err), None
            out_of_memory = not ok and "not enough memory" in str(status)
            if out_of_memory:  # the collector keeps up by itself otherwise
                self._sweep()
        if not ok:
            problem = str(status)
            if out_of_memory:
                problem = MEMORY_MESSAGE.format(limit=self.memory_limit // (1024 * 1024))
            return Health(HealthStatus.UNKNOWN, f"Lua health script failed: {problem}")
        found = _STATUSES.get(str(status))
        if found is None:
            return Health(HealthStatus.UNKNOWN, "Lua returned an invalid health status")
        return Health(found, str(message or ""))


_shared: LuaRuntime | None = None
_shared_lock = threading.Lock()


def shared_runtime() -> LuaRuntime:
    """The process's runtime, made on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LuaRuntime()
        return _shared
