-- expect: instruction budget
-- Catches the budget error with pcall and keeps going.
return { name = "escape", rules = { spin = function()
  for _ = 1, math.huge do
    pcall(function() while true do end end)
  end
  return gl.switchover()
end } }
