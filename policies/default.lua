-- default.lua: the policy greenlight uses when --policy is not given.
--
-- Each rule looks at one kind of evidence and returns nil (no objection),
-- a verdict, or a list of verdicts. Rules run in name order; the decision
-- is the strongest verdict (rollback > hold > switchover).
-- Reference: share/doc/policy.md.

local rules = {}

local present = gl.present

-- Waived findings (check --waivers) are accepted: no rule below holds on one.
-- Green runs an older PostgreSQL than blue: green must not take over.
function rules.downgrade(input)
  local found = gl.findings(input, { code = "engine_version.downgrade", waived = false })
  if #found > 0 then
    return gl.rollback("green runs an older PostgreSQL major than blue", found)
  end
end

-- Every critical finding holds the switchover on its own.
function rules.critical(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { severity = "critical", waived = false })) do
    if f.code ~= "engine_version.downgrade" then
      verdicts[#verdicts + 1] = gl.hold(
        string.format("critical finding %s: %s", f.id, f.message), f)
    end
  end
  return verdicts
end

-- Each run error (a plugin, a side, the policy input) holds: gl.rules.errors.
rules.errors = gl.rules.errors

-- What changed on green that the change file does not declare (or declares
-- with another value), by kind: gl.undeclared groups the findings.
local function undeclared_of(input, kind)
  local verdicts = {}
  for _, item in ipairs(gl.undeclared(input)) do
    if item.kind == kind then
      verdicts[#verdicts + 1] = gl.hold(item.message, item.findings)
    end
  end
  return verdicts
end

-- Parameter drift is fine only when the change declares it (and, with a
-- value, green has that value).
function rules.undeclared_parameters(input)
  return undeclared_of(input, "parameter")
end

-- A new major version must be what the change says it is.
function rules.major_upgrade(input)
  return undeclared_of(input, "version")
end

-- A schema difference must be on an object the change declares.
function rules.undeclared_schema(input)
  return undeclared_of(input, "schema")
end

-- What the change declares must have happened on green: gl.rules.unrealised.
rules.unrealised = gl.rules.unrealised

-- Findings the rules above judge; error_findings leaves them to those rules.
local JUDGED_ELSEWHERE = {
  ["engine_version.downgrade"] = true,
  ["engine_version.major_upgrade"] = true,
  ["parameters.changed"] = true,
  ["parameters.only_on_blue"] = true,
  ["parameters.only_on_green"] = true,
  ["parameters.pending_restart"] = true,
}

-- Any other finding of severity "error" holds.
function rules.error_findings(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { severity = "error", waived = false })) do
    if not JUDGED_ELSEWHERE[f.code] then
      verdicts[#verdicts + 1] = gl.hold(string.format("%s: %s", f.id, f.message), f)
    end
  end
  return verdicts
end

return {
  name = "default",
  description = "Hold on critical or error findings, run errors, undeclared and unrealised "
    .. "changes; roll back on a downgrade. Waived findings are accepted.",
  rules = rules,
}
