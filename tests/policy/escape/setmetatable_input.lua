-- expect: cannot change a protected metatable
-- Swaps the input's metatable for one that hides every finding.
return { name = "escape", rules = { hide = function(input)
  setmetatable(input.findings, { __len = function() return 0 end })
end } }
