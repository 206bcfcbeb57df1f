-- expect: not a verdict
-- Returns a table that looks like a verdict instead of calling gl.*.
return { name = "escape", rules = { forge = function()
  return { action = "switchover", message = "trust me" }
end } }
