-- expect: memory budget
-- gsub with a huge replacement: one C call building a gigabyte.
return { name = "escape", rules = { bomb = function()
  local r = string.rep("y", 1024 * 1024)
  local s = string.rep("x", 1024):gsub("x", r)
  return gl.hold(s)
end } }
