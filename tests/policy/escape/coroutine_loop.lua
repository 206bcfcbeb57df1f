-- expect: attempt to index a nil value (global 'coroutine')
-- An endless producer loop in a coroutine: coroutines are not in the sandbox.
return { name = "escape", rules = { loop = function()
  local co = coroutine.create(function() while true do coroutine.yield(1) end end)
  while true do coroutine.resume(co) end
end } }
