-- Tests of policies/strict.lua.

local function finding(code, object, severity, extra)
  local f = { code = code, object = object, severity = severity }
  for k, v in pairs(extra or {}) do f[k] = v end
  return f
end

local facts = { blue = { engine_version = { server_version_num = 170002 } },
                green = { engine_version = { server_version_num = 170002 }, parameters = {}, schema = {} } }
local work_mem = finding("parameters.changed", "work_mem", "warning", { blue = "4MB", green = "64MB" })
local approved = { id = "CHG-9", approvals = { { by = "alice" } }, parameters = { work_mem = "64MB" } }

-- A used waiver of the dropped index: age in days, created and expires
-- dates (default: a 20-day waiver written on 2025-01-01).
local function waiver(age, created, expires)
  return { code = "schema.index.dropped", object = "public.*", reason = "replaced", owner = "dba",
           expires = expires or "2025-01-21", created = created or "2025-01-01", status = "used",
           findings = { "schema.index.dropped:public.idx" }, days_left = 10, age_days = age }
end
local waived_drop = finding("schema.index.dropped", "public.idx", "error", { waived = true, waiver = 1 })

return {
  approved_declared_change_switches_over = {
    policy = "strict.lua",
    input = { findings = { work_mem }, facts = facts, change = approved },
    expect = { action = "switchover", reasons_count = 0 },
  },

  no_change_holds = {
    policy = "strict.lua",
    input = { facts = facts },
    expect = { action = "hold", reasons = { { rule = "approved_change", message = "no change declared" } } },
  },

  change_without_approvals_holds = {
    policy = "strict.lua",
    input = { findings = { work_mem }, facts = facts, change = { id = "CHG-9", parameters = { work_mem = "64MB" } } },
    expect = { action = "hold", reasons = { { rule = "approved_change", message = "no approvals" } } },
  },

  approvals_that_name_nobody_hold = {
    policy = "strict.lua",
    input = { findings = { work_mem }, facts = facts,
              change = { id = "CHG-9", approvals = { gl.null, "", 5, {}, { by = "" }, { by = 7 } },
                         parameters = { work_mem = "64MB" } } },
    expect = { action = "hold",
               reasons = { { rule = "approved_change", message = "approvals[1] names nobody" },
                           { rule = "approved_change", message = "approvals[2] names nobody" },
                           { rule = "approved_change", message = "approvals[3] names nobody" },
                           { rule = "approved_change", message = "approvals[4] names nobody" },
                           { rule = "approved_change", message = "approvals[5] names nobody" },
                           { rule = "approved_change", message = "approvals[6] names nobody" } } },
  },

  a_name_string_approves = {
    policy = "strict.lua",
    input = { findings = { work_mem }, facts = facts,
              change = { id = "CHG-9", approvals = { "bob" }, parameters = { work_mem = "64MB" } } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  undeclared_change_holds = {
    policy = "strict.lua",
    input = { findings = { work_mem, finding("schema.comment.changed", "public.film", "info") },
              facts = facts, change = approved },
    expect = { action = "hold", reasons = { { rule = "undeclared", findings = { "schema.comment.changed:public.film" } } } },
  },

  unrealised_change_holds = {
    policy = "strict.lua",
    input = { facts = facts, change = approved },
    expect = { action = "hold", reasons = { { rule = "unrealised", message = "work_mem" } } },
  },

  recent_waiver_is_accepted = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved, waivers = { waiver(3) } },
    expect = { action = "switchover" },
  },

  old_waiver_is_refused = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved, waivers = { waiver(45) } },
    expect = { action = "hold",
               reasons = { { rule = "waivers", message = "45 days old", findings = { "schema.index.dropped:public.idx" } },
                           { rule = "findings", findings = { "schema.index.dropped:public.idx" } } } },
  },

  -- "no waivers past 30 days": also not one written to last longer, even
  -- while it is young (expires - created > 30 days)
  long_lived_waiver_is_refused = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved,
              waivers = { waiver(3, "2025-01-01", "2025-03-01") } },
    expect = { action = "hold",
               reasons = { { rule = "waivers", message = "expires 59 days after it was created (2025-01-01 to 2025-03-01)",
                             findings = { "schema.index.dropped:public.idx" } },
                           { rule = "findings", findings = { "schema.index.dropped:public.idx" } },
                           { rule = "undeclared", findings = { "schema.index.dropped:public.idx" } } },
               reasons_count = 3 },
  },

  -- the limit is inclusive, and counts calendar days (2024 is a leap year)
  thirty_day_waiver_is_accepted = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved,
              waivers = { waiver(30, "2024-02-15", "2024-03-16") } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  thirty_one_day_waiver_is_refused = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved,
              waivers = { waiver(1, "2024-12-31", "2025-01-31") } },
    expect = { action = "hold", reasons = { { rule = "waivers", message = "expires 31 days after it was created" } } },
  },

  old_and_long_lived_waiver_names_both = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved,
              waivers = { waiver(45, "2024-01-01", "2999-01-01") } },
    expect = { action = "hold",
               reasons = { { rule = "waivers", message = "is 45 days old and expires 356112 days after it was created" } } },
  },

  waiver_without_created_date_is_refused = {
    policy = "strict.lua",
    input = { findings = { work_mem, waived_drop }, facts = facts, change = approved,
              waivers = { { code = "schema.index.dropped", object = "public.*", reason = "replaced", owner = "dba",
                            expires = "2025-01-21", status = "used", findings = { "schema.index.dropped:public.idx" },
                            days_left = 10, age_days = gl.null } } },
    expect = { action = "hold", reasons = { { rule = "waivers", message = "has no created date" },
                                            { rule = "findings", findings = { "schema.index.dropped:public.idx" } } } },
  },

  -- an unused waiver excuses nothing, so its lifetime does not matter
  unused_long_lived_waiver_is_ignored = {
    policy = "strict.lua",
    input = { findings = { work_mem }, facts = facts, change = approved,
              waivers = { { code = "schema.table.dropped", object = "*", reason = "r", owner = "o",
                            created = "2025-01-01", expires = "2026-01-01", status = "unused", findings = {},
                            days_left = 100, age_days = 3 } } },
    expect = { action = "switchover", not_fired = { "waivers" } },
  },

  downgrade_rolls_back = {
    policy = "strict.lua",
    input = { findings = { finding("engine_version.downgrade", "server", "critical") }, facts = facts, change = approved },
    expect = { action = "rollback", rules_fired = { "downgrade" } },
  },

  run_errors_hold = {
    policy = "strict.lua",
    input = { facts = facts, change = approved, findings = { work_mem },
              errors = { { stage = "connect", side = "green", message = "timeout" } } },
    expect = { action = "hold", reasons = { { rule = "errors" } } },
  },
}
