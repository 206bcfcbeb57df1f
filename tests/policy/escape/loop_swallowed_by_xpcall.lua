-- expect: instruction budget
-- Catches the budget error in an xpcall handler that itself loops.
return { name = "escape", rules = { spin = function()
  while true do
    xpcall(function() while true do end end, function() while true do end end)
  end
end } }
