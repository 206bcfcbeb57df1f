-- expect: stack overflow
-- Recurses until the C stack would overflow (through a metamethod).
local t = setmetatable({}, { __index = function(t, k) return t[k] end })
return { name = "escape", rules = { deep = function() return t.x end } }
