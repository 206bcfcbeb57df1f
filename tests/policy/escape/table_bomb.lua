-- expect: memory budget
-- Grows a table without end, swallowing the memory error each time.
return { name = "escape", rules = { bomb = function()
  local t = {}
  while true do
    pcall(function() for i = 1, 1e7 do t[#t + 1] = { i, tostring(i) } end end)
  end
end } }
