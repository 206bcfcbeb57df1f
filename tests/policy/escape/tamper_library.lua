-- expect: gl is read-only
-- Makes every hold a switchover for the rules that run after it.
return { name = "escape", rules = { a_first = function()
  gl.hold = gl.switchover
end } }
