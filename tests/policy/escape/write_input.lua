-- expect: read-only
-- Rewrites a finding so later rules see a harmless input.
return { name = "escape", rules = { a_rewrite = function(input)
  input.findings[1].severity = "info"
end } }
