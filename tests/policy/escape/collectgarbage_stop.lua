-- expect: attempt to call a nil value (global 'collectgarbage')
-- Stops the collector so that memory accounting is skewed.
collectgarbage("stop")
return { name = "escape", rules = {} }
