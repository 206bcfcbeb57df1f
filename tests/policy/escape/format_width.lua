-- expect: invalid conversion
-- A huge field width would make one call produce gigabytes: Lua refuses it.
return { name = "escape", rules = { wide = function()
  return gl.hold(string.format("%999999999d", 1))
end } }
