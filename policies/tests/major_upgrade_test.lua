-- Tests of policies/major_upgrade.lua: `greenlight policy test policies/tests`.
-- Codes and severities as the engine_version check reports them
-- (share/doc/checks/engine_version.md); every reason ends with the
-- finding's details.fix, so the reasons are the to-do list.

local function finding(code, object, severity, extra)
  local f = { code = code, object = object, severity = severity }
  for k, v in pairs(extra or {}) do f[k] = v end
  return f
end

local major = finding("engine_version.major_upgrade", "server", "warning",
  { blue = "15.10", green = "17.2", message = "Blue runs 15.10, green 17.2.",
    details = { fix = "Read the migration notes." } })
local work_mem = finding("parameters.changed", "work_mem", "warning",
  { blue = "4MB", green = "64MB", details = { source_green = "configuration file" } })

return {
  -- choosing this policy declares the major upgrade: alone, it passes
  major_upgrade_alone_switches_over = {
    policy = "major_upgrade.lua",
    input = { findings = { major } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  -- info findings stay in the report for the reviewer, never a reason
  info_findings_are_no_reason = {
    policy = "major_upgrade.lua",
    input = { findings = {
      major,
      finding("engine_version.parameter.default_changed", "wal_sync_method", "info"),
      finding("engine_version.extension.update_available", "pg_trgm", "info"),
      finding("engine_version.extension.version_changed", "hstore", "info", { details = { direction = "newer on green" } }),
      finding("engine_version.statistics.missing", "pagila", "info"),
    } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  downgrade_rolls_back_with_its_fix = {
    policy = "major_upgrade.lua",
    input = { findings = { finding("engine_version.downgrade", "server", "critical",
      { blue = "17.2", green = "16.6", message = "Green runs an older PostgreSQL.",
        details = { fix = "Do not switch." } }) } },
    expect = { action = "rollback",
               reasons = { { rule = "downgrade", action = "rollback",
                             message = "downgrade engine_version.downgrade:server: Green runs an older PostgreSQL. Fix: Do not switch.",
                             findings = { "engine_version.downgrade:server" } } },
               reasons_count = 1,
               -- a critical finding, but the downgrade is judged by its own rule
               not_fired = { "blockers" } },
  },

  run_errors_hold = {
    policy = "major_upgrade.lua",
    input = { findings = { major },
              errors = { { stage = "collect", side = "green", plugin = "engine_version", message = "timeout" },
                         { stage = "connect", side = "blue", message = "refused" } } },
    expect = { action = "hold",
               reasons = { { rule = "errors", message = "run error: engine_version: timeout" },
                           { rule = "errors", message = "run error: connect: refused" } },
               reasons_count = 2 },
  },

  -- what pg_upgrade refuses (error) and what cannot work (critical), of
  -- any check, each with its fix
  blockers_hold_with_their_fix = {
    policy = "major_upgrade.lua",
    input = { findings = {
      major,
      finding("engine_version.upgrade.reg_type", "public.t.c", "error",
        { blue = "regproc", message = "Column public.t.c is of type regproc.",
          details = { kind = "reg_type", fix = "ALTER COLUMN c TYPE text USING c::text" } }),
      finding("engine_version.build_setting.differs", "block_size", "error",
        { blue = "8192", green = "16384", details = { fix = "Build green with blue's block size." } }),
      finding("engine_version.extension.missing", "postgis", "critical", { details = { fix = "" } }),
      finding("engine_version.parameter.removed", "vacuum_defer_cleanup_age", "error",
        { details = { fix = "Remove the setting." } }),
      finding("query_regression.result_mismatch", "top_films", "critical", { message = "Rows differ." }),
    } },
    expect = { action = "hold",
               reasons = {
                 { rule = "blockers", message = "blocker engine_version.upgrade.reg_type:public.t.c: Column public.t.c is of type regproc. Fix: ALTER COLUMN c TYPE text USING c::text",
                   findings = { "engine_version.upgrade.reg_type:public.t.c" } },
                 { rule = "blockers", message = "Fix: Build green with blue's block size.",
                   findings = { "engine_version.build_setting.differs:block_size" } },
                 { rule = "blockers", findings = { "engine_version.extension.missing:postgis" } },
                 { rule = "blockers", message = "Fix: Remove the setting.",
                   findings = { "engine_version.parameter.removed:vacuum_defer_cleanup_age" } },
                 { rule = "blockers", message = "blocker query_regression.result_mismatch:top_films: Rows differ.",
                   findings = { "query_regression.result_mismatch:top_films" } },
               },
               reasons_count = 5, rules_fired = { "blockers" } },
  },

  -- an empty fix adds no "Fix:" (the message ends with the finding's)
  blocker_without_fix_ends_with_its_message = {
    policy = "major_upgrade.lua",
    input = { findings = { finding("engine_version.extension.missing", "postgis", "critical",
      { message = "postgis is installed on blue only.", details = { fix = "" } }) } },
    expect = { action = "hold",
               reasons = { { rule = "blockers", message = "postgis is installed on blue only." } },
               reasons_count = 1 },
  },

  -- engine_version warnings each need a person; warnings of other checks
  -- and the major upgrade itself do not
  warnings_need_a_human = {
    policy = "major_upgrade.lua",
    input = { findings = {
      major,
      finding("engine_version.extension.not_installed", "pg_trgm", "warning",
        { details = { fix = "CREATE EXTENSION pg_trgm VERSION '1.6'" } }),
      finding("engine_version.extension.no_update_path", "hstore", "warning", { details = { fix = "Update on blue first." } }),
      finding("engine_version.extension.switchover_risk", "pg_cron", "warning", { details = { fix = "Disable the jobs on green." } }),
      finding("engine_version.collation.version_changed", "en_US", "warning", { details = { fix = "REINDEX." } }),
      finding("engine_version.database_locale.differs", "lc_collate", "warning"),
      finding("engine_version.statistics.missing", "pagila", "warning",
        { details = { fix = "vacuumdb --analyze-in-stages --dbname=pagila" } }),
      finding("engine_version.parameter.removed", "myapp.flag", "warning"),
      finding("schema.index.dropped", "public.idx", "warning"),
    } },
    expect = { action = "hold",
               reasons = {
                 { rule = "needs_human", message = "needs a human engine_version.extension.not_installed:pg_trgm",
                   findings = { "engine_version.extension.not_installed:pg_trgm" } },
                 { rule = "needs_human", message = "Fix: vacuumdb --analyze-in-stages --dbname=pagila",
                   findings = { "engine_version.statistics.missing:pagila" } },
                 { rule = "needs_human", findings = { "engine_version.parameter.removed:myapp.flag" } },
               },
               reasons_count = 7, rules_fired = { "needs_human" } },
  },

  target_version_matches_green = {
    policy = "major_upgrade.lua",
    input = { findings = { major }, change = { id = "CHG-17", kind = "major_upgrade", target_version = "17" } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  target_version_as_a_number_matches_green = {
    policy = "major_upgrade.lua",
    input = { findings = { major }, change = { id = "CHG-17", target_version = 170002 } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  other_target_version_holds = {
    policy = "major_upgrade.lua",
    input = { findings = { major }, change = { id = "CHG-18", kind = "major_upgrade", target_version = "18" } },
    expect = { action = "hold",
               reasons = { { rule = "target_version", message = "the change targets PostgreSQL 18 but green runs 17.2",
                             findings = { "engine_version.major_upgrade:server" } } },
               reasons_count = 1 },
  },

  target_that_is_no_version_holds = {
    policy = "major_upgrade.lua",
    input = { findings = { major }, change = { id = "CHG-X", target_version = "latest" } },
    expect = { action = "hold", reasons = { { rule = "target_version", message = "targets PostgreSQL latest" } } },
  },

  undeclared_parameter_drift_holds = {
    policy = "major_upgrade.lua",
    input = { findings = { major, work_mem }, change = { id = "CHG-17", target_version = "17" } },
    expect = { action = "hold",
               reasons = { { rule = "undeclared_parameters",
                             message = "parameter work_mem differs on green but the change does not declare it",
                             findings = { "parameters.changed:work_mem" } } },
               reasons_count = 1 },
  },

  declared_parameter_in_other_units_switches_over = {
    policy = "major_upgrade.lua",
    input = { findings = { major, work_mem },
              change = { id = "CHG-17", target_version = "17", parameters = { WORK_MEM = "65536kB" } } },
    expect = { action = "switchover", reasons_count = 0 },
  },

  declared_parameter_with_other_value_holds = {
    policy = "major_upgrade.lua",
    input = { findings = { major, work_mem }, change = { id = "CHG-17", parameters = { work_mem = "32MB" } } },
    expect = { action = "hold",
               reasons = { { rule = "undeclared_parameters", message = "declared work_mem=32MB but green has 64MB" } } },
  },

  declared_parameter_without_value_accepts_any = {
    policy = "major_upgrade.lua",
    input = { findings = { major, work_mem }, change = { id = "CHG-17", parameters = { work_mem = true } } },
    expect = { action = "switchover" },
  },

  -- a setting at its built-in default on the only side that has it is no
  -- drift (engine_version.parameter.default_changed reports those)
  builtin_default_on_one_side_is_not_drift = {
    policy = "major_upgrade.lua",
    input = { findings = {
      major,
      finding("parameters.only_on_green", "io_method", "info", { green = "worker", details = { source_green = "default" } }),
      finding("parameters.only_on_blue", "old_setting", "info", { blue = "on", details = { default_on_both = true } }),
    } },
    expect = { action = "switchover", not_fired = { "undeclared_parameters" } },
  },

  setting_only_on_green_by_configuration_holds = {
    policy = "major_upgrade.lua",
    input = { findings = { major, finding("parameters.only_on_green", "io_method", "warning",
      { green = "io_uring", details = { source_green = "configuration file" } }) } },
    expect = { action = "hold", reasons = { { rule = "undeclared_parameters", message = "parameter io_method differs" } } },
  },

  -- the strongest verdict wins: a downgrade outranks every hold
  downgrade_outranks_blockers_and_holds = {
    policy = "major_upgrade.lua",
    input = { findings = {
      finding("engine_version.downgrade", "server", "critical", { blue = "17.2", green = "16.6" }),
      finding("engine_version.build_setting.differs", "block_size", "error"),
      work_mem,
    } },
    expect = { action = "rollback",
               rules_fired = { "downgrade", "blockers", "undeclared_parameters" },
               reasons_count = 3 },
  },

  -- a run with --plugins that leaves engine_version out gave this policy
  -- nothing to judge: it holds, naming the plugin to add
  engine_version_not_run_holds_naming_the_plugin = {
    policy = "major_upgrade.lua",
    input = { findings = {}, facts = { blue = { parameters = {} }, green = { parameters = {} } } },
    expect = { action = "hold", reasons = { { rule = "engine_version_ran",
      message = "add engine_version to --plugins" } } },
  },

  engine_version_run_is_no_reason = {
    policy = "major_upgrade.lua",
    input = { findings = { major }, facts = { blue = { engine_version = {} }, green = { engine_version = {} } } },
    expect = { action = "switchover", not_fired = { "engine_version_ran" } },
  },
}
