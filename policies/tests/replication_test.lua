-- The default policy on the replication plugin's guardrails
-- (share/doc/checks/replication.md): each unsafe one holds, a warning does not.

local function finding(code, object, severity, measured, threshold)
  return { code = code, object = object, severity = severity,
           details = { measured = measured, threshold = threshold, unit = "x" } }
end

local function holds_on(code, object, severity)
  return {
    policy = "default.lua",
    input = { findings = { finding(code, object, severity, 1, 0) } },
    expect = { action = "hold", reasons = { { findings = { code .. ":" .. object } } } },
  }
end

return {
  lag_over_limit_holds = holds_on("replication.lag.bytes", "greenlight_app", "error"),
  tables_not_ready_hold = holds_on("replication.tables.not_ready", "greenlight_app", "error"),
  ddl_drift_holds = holds_on("replication.ddl_drift", "shop.products", "critical"),
  unfenced_green_holds = holds_on("replication.green.unfenced", "green", "critical"),
  long_transaction_holds = holds_on("replication.blue.long_transaction", "blue", "error"),
  prepared_transactions_hold = holds_on("replication.prepared_transactions", "green", "error"),
  large_objects_hold = holds_on("replication.large_objects", "blue", "error"),
  unpopulated_matview_holds = holds_on("replication.matview.needs_refresh", "shop.category_count", "error"),
  missing_subscription_holds = holds_on("replication.subscription.missing", "greenlight_app", "critical"),
  extended_wal_status_does_not_hold = {
    policy = "default.lua",
    input = { findings = { finding("replication.slot.wal_status", "greenlight_app", "warning", 1, nil) } },
    expect = { action = "switchover", reasons_count = 0 },
  },
}
