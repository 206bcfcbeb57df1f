-- expect: attempt to call a nil value (global 'require')
-- Loads a C module: require and package are not in the sandbox.
local ffi = require("ffi")
return { name = "escape", rules = {} }
