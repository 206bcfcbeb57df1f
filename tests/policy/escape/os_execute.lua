-- expect: attempt to index a nil value (global 'os')
-- Runs a shell command: os is not in the sandbox.
return { name = "escape", rules = { run = function()
  os.execute("touch /tmp/greenlight-pwned")
end } }
