-- expect: attempt to call a nil value (global 'load')
-- Loads hand-made bytecode (binary chunks can corrupt the VM): load is gone.
local f = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86", "evil", "b")
return { name = "escape", rules = { run = f } }
