-- expect: memory budget
-- table.concat of a list of big strings, caught by pcall and retried.
return { name = "escape", rules = { bomb = function()
  local t = {}
  for i = 1, 64 do t[i] = string.rep("z", 1024 * 1024) end
  while true do pcall(table.concat, t) end
end } }
