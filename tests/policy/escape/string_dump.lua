-- expect: attempt to call a nil value (field 'dump')
-- Dumps a function to bytecode: string.dump is removed.
return { name = "escape", rules = { dump = function()
  return gl.hold(string.dump(function() end))
end } }
