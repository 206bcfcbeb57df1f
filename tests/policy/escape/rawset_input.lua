-- expect: attempt to call a nil value (global 'rawset')
-- Writes around __newindex with rawset.
return { name = "escape", rules = { a_rewrite = function(input)
  rawset(input, "findings", {})
end } }
