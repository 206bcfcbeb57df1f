-- expect: budget of
-- Returns a million reasons: stopped by the memory or output budget.
return { name = "escape", rules = { flood = function()
  local v = {}
  for i = 1, 1000000 do v[i] = gl.hold("h") end
  return v
end } }
