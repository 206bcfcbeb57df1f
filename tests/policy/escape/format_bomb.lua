-- expect: memory budget
-- string.format doubling its own output until memory runs out.
return { name = "escape", rules = { bomb = function()
  local s = "x"
  while true do s = string.format("%s%s", s, s) end
end } }
