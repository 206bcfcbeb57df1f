-- expect: memory budget
-- One huge allocation in C.
return { name = "escape", rules = { bomb = function()
  return gl.hold(string.rep("x", 1 << 30))
end } }
