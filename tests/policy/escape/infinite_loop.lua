-- expect: instruction budget
-- Never returns.
return { name = "escape", rules = { spin = function()
  local n = 0
  while true do n = n + 1 end
end } }
