-- major_upgrade.lua: the policy for a switchover that changes PostgreSQL's
-- major version (15 -> 17, or any N -> M). Use it with
--   greenlight check --policy policies/major_upgrade.lua --change change.json ...
--
-- It reads the engine_version check's findings (share/doc/checks/engine_version.md):
--   rollback  green runs an older PostgreSQL than blue;
--   hold      anything that breaks the upgrade: every error or critical finding
--             of any check (pg_upgrade refusals, build settings that differ,
--             missing extensions, corrupt collation versions...);
--   hold      what needs a human: every engine_version warning (extensions to
--             create or update, switchover risks, collation changes, tables
--             without statistics...), parameter drift the change does not
--             declare, a change that targets another major than green runs;
--   nothing   info findings (built-in defaults that changed, extension
--             updates available): they stay in the report for the reviewer.
-- Every reason names the finding and ends with its details.fix, so the list
-- of reasons is the to-do list before the switchover.
-- Reference: share/doc/policy.md.

local rules = {}

local present = gl.present

-- "<what> <id>: <message> Fix: <details.fix>"
local function with_fix(what, f)
  local d = f.details
  if gl.kind(d) == "object" and present(d.fix) and d.fix ~= "" then
    return string.format("%s %s: %s Fix: %s", what, f.id, f.message, d.fix)
  end
  return string.format("%s %s: %s", what, f.id, f.message)
end

-- Green older than blue: green must not take over.
function rules.downgrade(input)
  local found = gl.findings(input, { code = "engine_version.downgrade" })
  if #found > 0 then
    return gl.rollback(with_fix("downgrade", found[1]), found)
  end
end

-- Each run error (a plugin, a side, the policy input) holds: gl.rules.errors.
rules.errors = gl.rules.errors

-- This policy judges the engine_version check: a run without it (--plugins
-- that leave it out) gave it nothing to judge, and says which plugin to add.
-- The check ran when green has its facts or it reported a finding.
function rules.engine_version_ran(input)
  local facts = input.facts
  if gl.kind(facts) == "object" and gl.kind(facts.green) == "object"
      and present(facts.green.engine_version) then
    return nil
  end
  if #gl.findings(input, { code_match = "^engine_version%.", limit = 1 }) > 0 then
    return nil
  end
  return gl.hold("the major_upgrade policy judges the engine_version check, which did not run: "
    .. "add engine_version to --plugins (or drop --plugins); if it failed, the run's errors say why")
end

-- Anything of severity error or critical breaks the upgrade.
function rules.blockers(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { min_severity = "error" })) do
    if f.code ~= "engine_version.downgrade" then
      verdicts[#verdicts + 1] = gl.hold(with_fix("blocker", f), f)
    end
  end
  return verdicts
end

-- engine_version warnings each need a person to act or accept; the major
-- upgrade itself is judged by rules.target_version.
function rules.needs_human(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { check = "engine_version", severity = "warning" })) do
    if f.code ~= "engine_version.major_upgrade" then
      verdicts[#verdicts + 1] = gl.hold(with_fix("needs a human", f), f)
    end
  end
  return verdicts
end

-- A declared target version must be the one green runs. Choosing this
-- policy declares a major upgrade, so an undeclared one is not held.
function rules.target_version(input)
  local change = input.change
  if not (present(change) and present(change.target_version)) then
    return nil
  end
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { code = "engine_version.major_upgrade" })) do
    local target = gl.version_major(change.target_version)
    if target == nil or target ~= gl.version_major(f.green) then
      verdicts[#verdicts + 1] = gl.hold(string.format(
        "the change targets PostgreSQL %s but green runs %s", change.target_version, f.green), f)
    end
  end
  return verdicts
end

-- Parameter drift (the parameters check) must be declared in the change, as
-- in the default policy; built-in defaults present on one side only are not
-- drift (engine_version.parameter.default_changed lists those).
local DRIFT = {
  ["parameters.changed"] = true,
  ["parameters.only_on_blue"] = true,
  ["parameters.only_on_green"] = true,
  ["parameters.pending_restart"] = true,
}

function rules.undeclared_parameters(input)
  local verdicts = {}
  for _, f in ipairs(input.findings) do
    if DRIFT[f.code] then
      local d = f.details
      local builtin = (f.code == "parameters.only_on_blue" or f.code == "parameters.only_on_green")
        and gl.kind(d) == "object"
        and (d.default_on_both == true or d.source_green == "default" or d.source_blue == "default")
      local declared = gl.declared_parameter(input, f.object)
      if not builtin and declared == nil then
        verdicts[#verdicts + 1] = gl.hold(string.format(
          "parameter %s differs on green but the change does not declare it", f.object), f)
      elseif not builtin and (type(declared) == "string" or type(declared) == "number")
          and present(f.green) and not gl.same_setting(declared, f.green) then
        verdicts[#verdicts + 1] = gl.hold(string.format(
          "declared %s=%s but green has %s", f.object, declared, f.green), f)
      end
    end
  end
  return verdicts
end

return {
  name = "major_upgrade",
  description = "Major-upgrade readiness: hold on blockers and on what needs a human, "
    .. "each with its fix; roll back on a downgrade.",
  rules = rules,
}
