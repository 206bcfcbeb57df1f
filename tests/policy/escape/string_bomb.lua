-- expect: memory budget
-- Doubles a string until the process runs out of memory.
return { name = "escape", rules = { bomb = function()
  local s = "greenlight"
  for _ = 1, 64 do s = s .. s end
  return gl.hold(s)
end } }
