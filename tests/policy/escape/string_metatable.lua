-- expect: attempt to index a nil value (field '__index')
-- Replaces string methods for every string through the shared metatable.
getmetatable("").__index.format = function() return "switchover" end
return { name = "escape", rules = {} }
