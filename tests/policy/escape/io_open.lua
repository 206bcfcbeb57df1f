-- expect: attempt to index a nil value (global 'io')
-- Reads a file: io is not in the sandbox.
return { name = "escape", rules = { read = function()
  return gl.hold(io.open("/etc/passwd"):read("a"))
end } }
