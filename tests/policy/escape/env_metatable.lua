-- expect: attempt to index a nil value (field '__index')
-- Reaches the base table behind _ENV and replaces gl there.
getmetatable(_ENV).__index.gl = { hold = function() end }
return { name = "escape", rules = {} }
