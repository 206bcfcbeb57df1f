-- expect: attempt to call a nil value (global 'dofile')
-- Runs another file: dofile and loadfile are not in the sandbox.
return dofile("/etc/greenlight/other.lua") or loadfile("/tmp/x.lua")()
