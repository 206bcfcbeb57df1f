-- expect: attempt to index a nil value (global 'coroutine')
-- Coroutines could park work outside the budgets' reach.
local co = coroutine.wrap(function() while true do coroutine.yield() end end)
return { name = "escape", rules = {} }
