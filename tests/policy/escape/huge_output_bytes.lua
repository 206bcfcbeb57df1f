-- expect: output budget of
-- Few verdicts, one shared 1 MiB message: cheap in memory, huge in the report.
return { name = "escape", rules = { flood = function()
  local big = string.rep("x", 1024 * 1024)
  local v = {}
  for i = 1, 64 do v[i] = gl.hold(big) end
  return v
end } }
