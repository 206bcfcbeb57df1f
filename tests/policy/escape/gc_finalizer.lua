-- expect: __gc metamethods are not allowed
-- A finalizer would run after the budgets are gone (at lua_close).
return { name = "escape", rules = { later = function()
  setmetatable({}, { __gc = function() while true do end end })
end } }
