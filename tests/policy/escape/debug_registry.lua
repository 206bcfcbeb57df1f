-- expect: attempt to index a nil value (global 'debug')
-- Reaches the registry (and the host's tables) through debug.
return { name = "escape", rules = { reg = function()
  local reg = debug.getregistry()
  reg["gl.verdicts"] = nil
end } }
