-- strict.lua: the compliance policy. Everything that differs between blue
-- and green must be declared in an approved change, every declared change
-- must have happened, and a waiver may excuse a finding for at most 30 days:
-- it must be at most 30 days old and expire at most 30 days after it was
-- created (no waivers past 30 days, whenever the run happens).
--   greenlight check --policy policies/strict.lua --change change.json \
--     [--waivers checks/waivers.json] ...
-- The change file must carry "id" and "approvals" (a non-empty list, e.g.
-- [{"by": "alice", "at": "2025-11-20"}]). Reference: share/doc/policy.md.

local rules = {}

local MAX_WAIVER_AGE_DAYS = 30

local present = gl.present

-- Who gave an approval: a non-empty string, or a table whose "by" is one;
-- nil for anything else (null, "", a number, {}), which approves nothing.
local function approver(a)
  if type(a) == "string" and a ~= "" then
    return a
  end
  if type(a) == "table" and a ~= gl.null and type(a.by) == "string" and a.by ~= "" then
    return a.by
  end
  return nil
end

-- Days since 0000-03-01 of a "YYYY-MM-DD" date (the civil-from-days
-- inverse; no os.time in the sandbox); nil when it is not such a date.
local function day_number(date)
  if type(date) ~= "string" then
    return nil
  end
  local y, m, d = string.match(date, "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then
    return nil
  end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then
    y = y - 1
  end
  local era = y // 400
  local year_of_era = y - era * 400
  local day_of_year = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
  return era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
end

-- How many days a waiver was written to last (expires - created), or nil
-- when it has no created date.
local function lifetime_days(w)
  local created, expires = day_number(w.created), day_number(w.expires)
  if created == nil or expires == nil then
    return nil
  end
  return expires - created
end

-- Why strict does not accept the waiver w, or nil when it does. A waiver
-- counts only if it is recent and short-lived; the rule `waivers` holds on
-- the others, and the findings they would excuse are judged as if unwaived.
local function waiver_refusal(w)
  if not present(w.age_days) then
    return "has no created date"
  end
  local why = {}
  if w.age_days > MAX_WAIVER_AGE_DAYS then
    why[#why + 1] = string.format("is %d days old", w.age_days)
  end
  local lifetime = lifetime_days(w)
  if lifetime == nil then
    why[#why + 1] = "has no valid created or expires date"
  elseif lifetime > MAX_WAIVER_AGE_DAYS then
    why[#why + 1] = string.format("expires %d days after it was created (%s to %s)",
      lifetime, w.created, w.expires)
  end
  if #why == 0 then
    return nil
  end
  return table.concat(why, " and ")
end

local function waiver_accepted(w)
  return present(w) and waiver_refusal(w) == nil
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

-- Each run error (a plugin, a side, the policy input) holds: gl.rules.errors.
rules.errors = gl.rules.errors

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
  else
    for i, a in ipairs(change.approvals) do
      if approver(a) == nil then
        verdicts[#verdicts + 1] = gl.hold(string.format(
          "the change's approvals[%d] names nobody: an approval is a non-empty name or {\"by\": \"name\"}", i))
      end
    end
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

-- What the change declares must have happened on green: gl.rules.unrealised.
rules.unrealised = gl.rules.unrealised

-- A waiver that excused a finding must be at most 30 days old, must expire
-- at most 30 days after it was created, and must say when it was created
-- (or neither is known).
function rules.waivers(input)
  local verdicts = {}
  for i, w in ipairs(present(input.waivers) and input.waivers or {}) do
    local refusal = w.status == "used" and waiver_refusal(w)
    if refusal then
      verdicts[#verdicts + 1] = gl.hold(string.format(
        "waiver %d (%s on %s, owner %s) %s; strict accepts waivers up to %d days old "
          .. "that expire at most %d days after they were created",
        i, w.code, w.object, w.owner, refusal, MAX_WAIVER_AGE_DAYS, MAX_WAIVER_AGE_DAYS), w.findings)
    end
  end
  return verdicts
end

return {
  name = "strict",
  description = "Compliance: approved and complete change declarations, no waiver older "
    .. "than 30 days or lasting more than 30 days, hold on every error; roll back on a downgrade.",
  rules = rules,
}
