-- default.lua: the policy greenlight uses when --policy is not given.
--
-- Each rule looks at one kind of evidence and returns nil (no objection),
-- a verdict, or a list of verdicts. Rules run in name order; the decision
-- is the strongest verdict (rollback > hold > switchover).
-- Reference: share/doc/policy.md.

local rules = {}

local function present(v)
  return v ~= nil and v ~= gl.null
end

-- Green runs an older PostgreSQL than blue: green must not take over.
function rules.downgrade(input)
  local found = gl.findings(input, { code = "engine_version.downgrade" })
  if #found > 0 then
    return gl.rollback("green runs an older PostgreSQL major than blue", found)
  end
end

-- Every critical finding holds the switchover on its own.
function rules.critical(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { severity = "critical" })) do
    if f.code ~= "engine_version.downgrade" then
      verdicts[#verdicts + 1] = gl.hold(
        string.format("critical finding %s: %s", f.id, f.message), f)
    end
  end
  return verdicts
end

-- Something failed during the run (a plugin, a side): we do not know enough.
function rules.errors(input)
  if not present(input.errors) then
    return nil
  end
  local verdicts = {}
  for _, e in ipairs(input.errors) do
    local text = e
    if gl.kind(e) == "object" then
      local where = present(e.plugin) and e.plugin or (present(e.stage) and e.stage or "run")
      text = string.format("%s: %s", where, e.message)
    end
    verdicts[#verdicts + 1] = gl.hold(string.format("run error: %s", text))
  end
  return verdicts
end

-- Parameter drift is fine only when the change declares it.
local DRIFT = {
  ["parameters.changed"] = true,
  ["parameters.only_on_blue"] = true,
  ["parameters.only_on_green"] = true,
  ["parameters.pending_restart"] = true,
}

local function is_drift(f)
  if not DRIFT[f.code] then
    return false
  end
  local d = f.details
  if (f.code == "parameters.only_on_blue" or f.code == "parameters.only_on_green")
      and gl.kind(d) == "object"
      and (d.default_on_both == true or d.source_green == "default" or d.source_blue == "default") then
    return false -- a built-in default on the one side that has it: nobody changed it
  end
  return true
end

-- The first value green has for the setting that is not the declared one
-- (or "nothing" when green lacks it); nil when green agrees.
local function green_mismatch(declared, group)
  local seen = false
  for _, f in ipairs(group) do
    if present(f.green) then
      seen = true
      if not gl.same_setting(declared, f.green) then
        return f.green
      end
    end
  end
  if not seen then
    return "nothing"
  end
  return nil
end

function rules.undeclared_parameters(input)
  -- group the findings by setting, keeping the input's (sorted) order
  local names, by_name = {}, {}
  for _, f in ipairs(input.findings) do
    if is_drift(f) then
      local name = f.object
      if by_name[name] == nil then
        by_name[name] = {}
        names[#names + 1] = name
      end
      table.insert(by_name[name], f)
    end
  end

  local verdicts = {}
  for _, name in ipairs(names) do
    local group = by_name[name]
    local declared = gl.declared_parameter(input, name)
    if declared == nil then
      verdicts[#verdicts + 1] = gl.hold(string.format(
        "parameter %s differs on green but the change does not declare it", name), group)
    elseif type(declared) == "string" or type(declared) == "number" then
      local green = green_mismatch(declared, group)
      if green ~= nil then
        verdicts[#verdicts + 1] = gl.hold(string.format(
          "declared %s=%s but green has %s", name, declared, green), group)
      end
    end
    -- declared as true or null: any value on green is accepted
  end
  return verdicts
end

-- A new major version must be what the change says it is.
function rules.major_upgrade(input)
  local change = input.change
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { code = "engine_version.major_upgrade" })) do
    local green_major = gl.version_major(f.green)
    local message
    if present(change) and present(change.target_version) then
      local target_major = gl.version_major(change.target_version)
      if target_major == nil or target_major ~= green_major then
        message = string.format("the change targets PostgreSQL %s but green runs %s",
                                change.target_version, f.green)
      end
    elseif not (present(change) and change.kind == "major_upgrade") then
      message = string.format("undeclared major upgrade from %s to %s", f.blue, f.green)
    end
    if message then
      verdicts[#verdicts + 1] = gl.hold(message, f)
    end
  end
  return verdicts
end

-- Findings the rules above judge; error_findings leaves them to those rules.
local JUDGED_ELSEWHERE = {
  ["engine_version.downgrade"] = true,
  ["engine_version.major_upgrade"] = true,
}
for code in pairs(DRIFT) do
  JUDGED_ELSEWHERE[code] = true
end

-- Any other finding of severity "error" holds.
function rules.error_findings(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { severity = "error" })) do
    if not JUDGED_ELSEWHERE[f.code] then
      verdicts[#verdicts + 1] = gl.hold(string.format("%s: %s", f.id, f.message), f)
    end
  end
  return verdicts
end

return {
  name = "default",
  description = "Hold on critical or error findings, run errors and undeclared changes; "
    .. "roll back on a downgrade.",
  rules = rules,
}
