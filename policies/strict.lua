-- strict.lua: the compliance policy. Everything that differs between blue
-- and green must be declared in an approved change, every declared change
-- must have happened, and a waiver may excuse a finding for at most 30 days.
--   greenlight check --policy policies/strict.lua --change change.json \
--     [--waivers checks/waivers.json] ...
-- The change file must carry "id" and "approvals" (a non-empty list, e.g.
-- [{"by": "alice", "at": "2025-11-20"}]). Reference: share/doc/policy.md.

local rules = {}

local MAX_WAIVER_AGE_DAYS = 30

local function present(v)
  return v ~= nil and v ~= gl.null
end

-- A waiver counts only if it is recent enough; the rule `waivers` holds on
-- the others, and the findings they would excuse are judged as if unwaived.
local function waiver_accepted(w)
  return present(w) and present(w.age_days) and w.age_days <= MAX_WAIVER_AGE_DAYS
end

local function accepted_waiver(input, f)
  if f.waived ~= true then
    return false
  end
  return waiver_accepted(input.waivers[f.waiver])
end

-- Green runs an older PostgreSQL than blue: green must not take over.
function rules.downgrade(input)
  local found = gl.findings(input, { code = "engine_version.downgrade" })
  if #found > 0 then
    return gl.rollback("green runs an older PostgreSQL major than blue", found)
  end
end

-- Every error or critical finding holds, unless a recent waiver excuses it.
function rules.findings(input)
  local verdicts = {}
  for _, f in ipairs(gl.findings(input, { min_severity = "error" })) do
    if f.code ~= "engine_version.downgrade" and not accepted_waiver(input, f) then
      verdicts[#verdicts + 1] = gl.hold(string.format("%s finding %s: %s", f.severity, f.id, f.message), f)
    end
  end
  return verdicts
end

-- Something failed during the run: we do not know enough.
function rules.errors(input)
  local verdicts = {}
  for _, e in ipairs(present(input.errors) and input.errors or {}) do
    local text = e
    if gl.kind(e) == "object" then
      text = string.format("%s: %s", present(e.plugin) and e.plugin or e.stage, e.message)
    end
    verdicts[#verdicts + 1] = gl.hold(string.format("run error: %s", text))
  end
  return verdicts
end

-- No switchover without a declared, approved change.
function rules.approved_change(input)
  local change = input.change
  if not present(change) then
    return gl.hold("no change declared: strict requires --change with an id and approvals")
  end
  local verdicts = {}
  if not present(change.id) or change.id == "" then
    verdicts[#verdicts + 1] = gl.hold("the change has no id")
  end
  if gl.kind(change.approvals) ~= "array" or #change.approvals == 0 then
    verdicts[#verdicts + 1] = gl.hold("the change has no approvals (a non-empty list is required)")
  end
  return verdicts
end

-- Every change observed on green must be declared. Waived findings are
-- excused only by a waiver strict accepts.
function rules.undeclared(input)
  local verdicts = {}
  for _, item in ipairs(gl.undeclared(input, { include_waived = true })) do
    local excused = #item.findings > 0
    for _, f in ipairs(item.findings) do
      excused = excused and accepted_waiver(input, f)
    end
    if not excused then
      verdicts[#verdicts + 1] = gl.hold(item.message, item.findings)
    end
  end
  return verdicts
end

-- Every declared change must have happened.
function rules.unrealised(input)
  local verdicts = {}
  for _, item in ipairs(gl.unrealised(input)) do
    verdicts[#verdicts + 1] = gl.hold(item.message)
  end
  return verdicts
end

-- A waiver that excused a finding must be at most 30 days old (and say
-- when it was created, or its age is unknown).
function rules.waivers(input)
  local verdicts = {}
  for i, w in ipairs(present(input.waivers) and input.waivers or {}) do
    if w.status == "used" and not waiver_accepted(w) then
      local age = present(w.age_days) and string.format("is %d days old", w.age_days)
        or "has no created date"
      verdicts[#verdicts + 1] = gl.hold(string.format(
        "waiver %d (%s on %s, owner %s) %s; strict accepts waivers up to %d days old",
        i, w.code, w.object, w.owner, age, MAX_WAIVER_AGE_DAYS), w.findings)
    end
  end
  return verdicts
end

return {
  name = "strict",
  description = "Compliance: approved and complete change declarations, no waiver older "
    .. "than 30 days, hold on every error; roll back on a downgrade.",
  rules = rules,
}
