-- Tests of policies/default.lua: `greenlight policy test policies/tests`.
-- Each case: policy, input (or input_file, a saved policy input), expect.
-- Findings need only code, object and severity; the runner fills in the
-- rest (id = code:object). Expected reasons match a subset of the actual.

local function finding(code, object, severity, extra)
  local f = { code = code, object = object, severity = severity }
  for k, v in pairs(extra or {}) do f[k] = v end
  return f
end

local work_mem = finding("parameters.changed", "work_mem", "warning",
  { blue = "4MB", green = "64MB", details = { source_green = "configuration file" } })
local major = finding("engine_version.major_upgrade", "server", "warning", { blue = "15.10", green = "17.2" })
local green17 = { blue = { engine_version = { server_version_num = 150010 } },
                  green = { engine_version = { server_version_num = 170002 }, parameters = {}, schema = {} } }

return {
  clean_run_switches_over = {
    policy = "default.lua",
    input = { findings = { finding("engine_version.minor_upgrade", "server", "info") } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  downgrade_rolls_back = {
    policy = "default.lua",
    input = { findings = { finding("engine_version.downgrade", "server", "critical", { blue = "17.2", green = "16.6" }) } },
    expect = { action = "rollback",
               reasons = { { rule = "downgrade", findings = { "engine_version.downgrade:server" } } },
               not_fired = { "critical" } },
  },

  critical_finding_holds = {
    policy = "default.lua",
    input = { findings = { finding("query_regression.result_mismatch", "top_films", "critical") } },
    expect = { action = "hold",
               reasons = { { rule = "critical", findings = { "query_regression.result_mismatch:top_films" } } } },
  },

  error_finding_holds = {
    policy = "default.lua",
    input = { findings = { finding("query_regression.query_failed", "q1", "error") } },
    expect = { action = "hold", reasons = { { rule = "error_findings", message = "q1" } } },
  },

  run_errors_hold = {
    policy = "default.lua",
    input = { errors = { { stage = "plugin", plugin = "schema", message = "connection lost" } } },
    expect = { action = "hold", reasons = { { rule = "errors", message = "schema: connection lost" } } },
  },

  undeclared_parameter_holds = {
    policy = "default.lua",
    input = { findings = { work_mem }, change = { id = "CHG-1", kind = "parameters" } },
    expect = { action = "hold", reasons = { { rule = "undeclared_parameters",
               findings = { "parameters.changed:work_mem" } } } },
  },

  declared_parameter_switches_over = {
    policy = "default.lua",
    input = { findings = { work_mem }, change = { parameters = { work_mem = "65536kB" } } },
    expect = { action = "switchover" },
  },

  declared_parameter_with_other_value_holds = {
    policy = "default.lua",
    input = { findings = { work_mem }, change = { parameters = { work_mem = "32MB" } } },
    expect = { action = "hold", reasons = { { message = "declared work_mem=32MB but green has 64MB" } } },
  },

  undeclared_major_upgrade_holds = {
    policy = "default.lua",
    input = { findings = { major }, facts = green17 },
    expect = { action = "hold", reasons = { { rule = "major_upgrade", message = "undeclared major upgrade" } } },
  },

  declared_major_upgrade_switches_over = {
    policy = "default.lua",
    input = { findings = { major }, facts = green17, change = { kind = "major_upgrade", target_version = "17" } },
    expect = { action = "switchover" },
  },

  undeclared_schema_change_holds = {
    policy = "default.lua",
    input = { findings = { finding("schema.index.dropped", "public.idx_title", "warning") } },
    expect = { action = "hold", reasons = { { rule = "undeclared_schema", findings = { "schema.index.dropped:public.idx_title" } } } },
  },

  declared_schema_change_switches_over = {
    policy = "default.lua",
    input = { findings = { finding("schema.column.added", "public.film.rating2", "info") },
              facts = green17, change = { id = "CHG-2", schema = { "public.film" } } },
    expect = { action = "switchover" },
  },

  unrealised_parameter_holds = {
    policy = "default.lua",
    input = { facts = green17, change = { parameters = { shared_buffers = "1GB" } } },
    expect = { action = "hold", reasons = { { rule = "unrealised", message = "shared_buffers" } } },
  },

  waived_finding_is_accepted = {
    policy = "default.lua",
    input = {
      findings = { finding("schema.index.dropped", "public.idx_title", "error", { waived = true, waiver = 1 }) },
      waivers = { { code = "schema.index.dropped", object = "public.idx_*", reason = "replaced", owner = "dba",
                    expires = "2999-01-01", status = "used", findings = { "schema.index.dropped:public.idx_title" },
                    days_left = 100, age_days = 1 } },
    },
    expect = { action = "switchover" },
  },

  saved_input_from_a_file = {
    policy = "default.lua",
    input_file = "fixtures/parameters_drift.json",
    expect = { action = "hold", reasons = { { rule = "undeclared_parameters", findings = { "parameters.changed:work_mem" } } } },
  },
}
