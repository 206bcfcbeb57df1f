-- expect: stack overflow
-- An __index that recurses into itself with ever longer keys.
return { name = "escape", rules = { deep = function()
  local t = setmetatable({}, { __index = function(t, k) return t[k .. "x"] end })
  return t.a
end } }
